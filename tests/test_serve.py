"""`perspective serve` as an operator runs it: a real process, HTTP or Socket Mode."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.sync.server import ServerConnection, serve

from bot.app import build_app
from bot.server import run_socket_mode
from bot.services import Services
from storage import fieldnotes
from tests.conftest import REP, SIGNING_SECRET, TEAM
from tests.fakeslack import FakeSlack, FakeSlackServer
from tests.slack_requests import SlackSender, http_get


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_healthy(url: str, process: subprocess.Popen, deadline: float = 30) -> None:
    """Poll until the server answers; a startup that takes longer than the deadline fails."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        assert process.poll() is None, process.communicate()[1]
        try:
            if http_get(url).status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("server did not become healthy")


@pytest.fixture
def served(
    tmp_path: Path, fake: FakeSlack, fake_slack_server: FakeSlackServer
) -> Iterator[tuple[str, subprocess.Popen]]:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))},
        "SLACK_BOT_TOKEN": fake.token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack_server.api_url,
        "PORT": str(port),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--no-scheduler"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(f"{base}/healthz", process)
        yield base, process
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def test_serve_starts_on_a_fresh_sqlite_database_and_answers_fieldnote(
    served: tuple[str, subprocess.Popen], fake: FakeSlack, fake_slack_server: FakeSlackServer
) -> None:
    base, process = served
    sender = SlackSender(
        f"{base}/slack/events", SIGNING_SECRET, fake_slack_server.response_url("s")
    )
    reply, _ = sender.command("/fieldnote", "[Acme] wants SSO #security")
    assert reply.status == 200
    [answer] = fake.wait_for("response_url")
    assert "Saved note" in json.dumps(answer)

    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=20)
    assert process.returncode == 0
    assert f"serving HTTP on port {base.rsplit(':', 1)[1]}" in stderr
    assert "database sqlite:///perspective.db" in stderr
    assert "stopped" in stderr and "Traceback" not in stderr


def test_socket_mode_receives_a_command_acks_it_and_saves_the_note(
    services: Services, fake: FakeSlack
) -> None:
    """The real slack-sdk Socket Mode client against a local WebSocket server."""
    acks: list[dict] = []
    got_ack = threading.Event()
    envelope = {
        "envelope_id": "env-1",
        "type": "slash_commands",
        "accepts_response_payload": True,
        "payload": {
            "team_id": TEAM,
            "channel_id": "C0SALES01",
            "user_id": REP,
            "command": "/fieldnote",
            "text": "[Acme] asked about EU hosting #security",
            "response_url": services.settings.slack_api_url.replace("/api/", "/response/socket"),
            "trigger_id": "1.2.3",
        },
    }

    def session(connection: ServerConnection) -> None:
        connection.send(json.dumps({"type": "hello", "num_connections": 1}))
        connection.send(json.dumps(envelope))
        for message in connection:
            acks.append(json.loads(message))
            got_ack.set()

    with serve(session, "127.0.0.1", 0) as ws_server:
        port = ws_server.socket.getsockname()[1]
        fake.socket_url = f"ws://127.0.0.1:{port}/"
        threading.Thread(target=ws_server.serve_forever, daemon=True).start()
        stop = threading.Event()
        runner = threading.Thread(
            target=run_socket_mode, args=(build_app(services), fake.app_token, stop), daemon=True
        )
        runner.start()
        try:
            assert got_ack.wait(15), "the bot never acknowledged the envelope"
            fake.wait_for("response_url")
        finally:
            stop.set()
            runner.join(timeout=15)
            ws_server.shutdown()

    assert acks[0]["envelope_id"] == "env-1"
    [note] = fieldnotes.search_notes(services.db, TEAM, ["hosting"], 10).notes
    assert note.account == "Acme" and note.tag_names == ["security"]
