"""A `serve` killed with SIGKILL in the middle of a burst of `/fieldnote` commands loses no
note whose command was acknowledged: the note is saved before its ack is sent."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from pathlib import Path

from bot.slack.fake import FakeSlack, FakeSlackServer
from storage import fieldnotes
from storage.db import Database
from tests.support.bot import SIGNING_SECRET, TEAM
from tests.support.processes import free_port, serve_env, wait_until_healthy
from tests.support.slack_requests import SlackSender

SENDERS = 8
KILL_AFTER = 30  # acknowledged notes before the process is killed
SAVED = re.compile(r"Saved note #(\d+)")


def test_every_acknowledged_note_survives_a_sigkill_mid_burst(
    tmp_path: Path, fake: FakeSlack, fake_slack_server: FakeSlackServer, database_url: str
) -> None:
    Database(database_url).upgrade()
    port = free_port()
    env = serve_env(fake, fake_slack_server, PORT=str(port), DATABASE_URL=database_url)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.runtime.cli", "serve", "--no-scheduler"],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    acknowledged: dict[int, str] = {}
    lock, enough = threading.Lock(), threading.Event()

    def send(sender_no: int) -> None:
        sender = SlackSender(
            f"{base}/slack/events", SIGNING_SECRET, fake_slack_server.response_url("k")
        )
        for i in range(200):
            text = f"[Acme] burst note {sender_no}-{i} #crash"
            try:
                reply, _ = sender.command("/fieldnote", text)
            except OSError:
                return  # the process is gone
            found = SAVED.search(reply.body) if reply.status == 200 else None
            if found:
                with lock:
                    acknowledged[int(found[1])] = f"burst note {sender_no}-{i}"
                    if len(acknowledged) >= KILL_AFTER:
                        enough.set()

    try:
        wait_until_healthy(f"{base}/healthz", process)
        threads = [threading.Thread(target=send, args=(n,)) for n in range(SENDERS)]
        for thread in threads:
            thread.start()
        assert enough.wait(60), "the burst never got going"
        process.kill()  # SIGKILL: no shutdown, no flush, mid-request
        process.wait(timeout=20)
        for thread in threads:
            thread.join(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=20)

    db = Database(database_url)  # what a restarted process finds
    try:
        stored = {n.id: n.text for n in fieldnotes.search_notes(db, TEAM, ["burst"], 10_000).notes}
    finally:
        db.dispose()
    assert len(acknowledged) >= KILL_AFTER
    for note_id, text in acknowledged.items():
        assert stored.get(note_id) == text, f"note #{note_id} was acknowledged but is not stored"
