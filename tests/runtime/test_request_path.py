"""The request path never waits on Slack: acks in time with Slack slow, and an
acknowledged note survives the process being killed right after."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPException
from pathlib import Path

from bot.slack.fake import FakeSlack, FakeSlackServer
from storage import fieldnotes
from storage.db import Database
from tests.support.bot import SIGNING_SECRET, TEAM, RunningBot
from tests.support.processes import free_port, serve_env, wait_until_healthy
from tests.support.slack_requests import SlackSender

SLOW_METHODS = ("auth.test", "users.info", "chat.postEphemeral", "views.open", "response_url")


def test_with_slack_answering_in_two_seconds_every_note_is_acked_in_time_and_confirmed_once(
    bot: RunningBot,
) -> None:
    for method in SLOW_METHODS:
        bot.fake.delay(method, 2)

    def send(i: int) -> tuple[int, str, float]:
        started = time.monotonic()
        reply, _ = bot.slack.command("/fieldnote", f"[Acme] slow Slack note {i} #sso")
        return reply.status, reply.json()["text"], time.monotonic() - started

    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(send, range(20)))
    assert [status for status, _, _ in answers] == [200] * 20
    assert all(text.startswith("Saved note #") for _, text, _ in answers)
    assert max(took for _, _, took in answers) < 3
    assert len(fieldnotes.search_notes(bot.db, TEAM, ["slow"], 50).notes) == 20
    assert bot.fake.calls_to("response_url") == []  # the ack was the one reply


def test_a_serve_killed_mid_burst_loses_no_acknowledged_note(
    tmp_path: Path, fake: FakeSlack, fake_slack_server: FakeSlackServer
) -> None:
    port = free_port()
    with (tmp_path / "serve.log").open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.runtime.cli", "serve", "--no-scheduler"],
            cwd=tmp_path,
            env=serve_env(fake, fake_slack_server, PORT=str(port)),
            stderr=log,
        )
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}/healthz", process)
        sender = SlackSender(
            f"http://127.0.0.1:{port}/slack/events", SIGNING_SECRET, "http://127.0.0.1:9/r"
        )
        acked: list[int] = []
        enough = threading.Event()

        def send(i: int) -> None:
            try:
                reply, _ = sender.command("/fieldnote", f"[Acme] burst note {i} #kill")
            except (OSError, HTTPException):
                return  # the process is gone mid-answer: Slack would show this user an error
            if reply.status == 200 and reply.json()["text"].startswith("Saved note #"):
                acked.append(i)
                if len(acked) >= 40:
                    enough.set()

        with ThreadPoolExecutor(8) as pool:
            sent = [pool.submit(send, i) for i in range(400)]
            assert enough.wait(60), "the server never acknowledged 40 notes"
            process.kill()
            for future in sent:
                future.result()
    finally:
        process.kill()
        process.wait(timeout=30)
    db = Database(f"sqlite:///{tmp_path}/perspective.db")  # as the restarted process reads it
    stored = {note.text for note in fieldnotes.search_notes(db, TEAM, ["burst"], 500).notes}
    db.dispose()
    assert len(acked) < 400, "the burst ended before the kill; nothing was tested"
    assert {f"burst note {i}" for i in acked} <= stored
