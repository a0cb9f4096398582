"""`perspective serve` as an operator runs it: a real process, HTTP or Socket Mode."""

from __future__ import annotations

import json
import logging
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pytest
from sqlalchemy import make_url
from websockets.sync.server import ServerConnection, serve

from bot.config import parse_settings
from bot.runtime.app import build_app
from bot.runtime.server import run_socket_mode
from bot.services import Services
from bot.slack.fake import FakeSlack, FakeSlackServer
from storage import fieldnotes
from storage.db import Database
from tests.support.bot import REP, SIGNING_SECRET, TEAM
from tests.support.processes import free_port, serve_env, wait_until_healthy
from tests.support.slack_requests import SlackSender, http_get


@pytest.fixture
def served(
    tmp_path: Path, fake: FakeSlack, fake_slack_server: FakeSlackServer
) -> Iterator[tuple[str, subprocess.Popen]]:
    port = free_port()
    env = serve_env(fake, fake_slack_server, PORT=str(port))
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.runtime.cli", "serve", "--no-scheduler"],
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
    assert "Saved note" in reply.json()["text"]

    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=20)
    assert process.returncode == 0
    assert f"serving HTTP on port {base.rsplit(':', 1)[1]}" in stderr
    assert "database sqlite:///perspective.db" in stderr
    assert "stopped" in stderr and "Traceback" not in stderr


def test_socket_mode_receives_a_command_acks_it_and_saves_the_note(
    services: Services, fake: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    """The real slack-sdk Socket Mode client against a local WebSocket server."""
    caplog.set_level(logging.INFO, logger="bot.runtime.server")
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
        finally:
            stop.set()
            runner.join(timeout=15)
            ws_server.shutdown()

    assert acks[0]["envelope_id"] == "env-1"
    [line] = [r.getMessage() for r in caplog.records if r.name == "bot.runtime.server"]
    assert re.fullmatch(
        rf"slack /fieldnote team={TEAM} user={REP} → 200 in \d+ ms \(socket mode\)", line
    )
    assert acks[0]["payload"]["text"].startswith("Saved note #")  # shown as the reply
    [note] = fieldnotes.search_notes(services.db, TEAM, ["hosting"], 10).notes
    assert note.account == "Acme" and note.tag_names == ["security"]


class LogLines:
    """A process's standard error, read line by line as it arrives, so a test can wait
    for the line that says a step happened instead of sleeping."""

    def __init__(self, stream: IO[str]) -> None:
        self.lines: list[str] = []
        self._closed = False
        self._changed = threading.Condition()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    @property
    def text(self) -> str:
        with self._changed:
            return "".join(self.lines)

    def wait_for(self, fragment: str, timeout: float = 30) -> str:
        """The first line containing `fragment`; fails if the process ends or the
        timeout passes without one."""
        with self._changed:
            self._changed.wait_for(
                lambda: self._closed or any(fragment in line for line in self.lines), timeout
            )
            found = [line for line in self.lines if fragment in line]
        assert found, f"no log line with {fragment!r} in:\n{self.text}"
        return found[0]

    def wait_closed(self, timeout: float = 20) -> str:
        with self._changed:
            assert self._changed.wait_for(lambda: self._closed, timeout), "stderr never closed"
        return self.text


@dataclass
class ServeProcess:
    process: subprocess.Popen
    log: LogLines

    def stop(self, signum: signal.Signals) -> str:
        """Send `signum` as an operator (or Ctrl-C) would; the whole log once it exits."""
        self.process.send_signal(signum)
        self.process.wait(timeout=20)
        return self.log.wait_closed()


@contextmanager
def serving(env: dict[str, str], cwd: Path, *args: str) -> Iterator[ServeProcess]:
    """`perspective serve --no-scheduler ARGS` as a real process, killed if a test fails
    before stopping it."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.runtime.cli", "serve", "--no-scheduler", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield ServeProcess(process, LogLines(process.stderr))  # type: ignore[arg-type]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=20)


@contextmanager
def socket_mode_endpoint(fake: FakeSlack) -> Iterator[threading.Event]:
    """A local WebSocket server that the fake's apps.connections.open hands out; the
    event is set once a client connects and has been greeted."""
    connected = threading.Event()

    def session(connection: ServerConnection) -> None:
        connection.send(json.dumps({"type": "hello", "num_connections": 1}))
        connected.set()
        for _message in connection:
            pass

    with serve(session, "127.0.0.1", 0) as ws_server:
        fake.socket_url = f"ws://127.0.0.1:{ws_server.socket.getsockname()[1]}/"
        threading.Thread(target=ws_server.serve_forever, daemon=True).start()
        try:
            yield connected
        finally:
            ws_server.shutdown()


def started_in_socket_mode(served: ServeProcess, connected: threading.Event) -> str:
    """Wait until the process says it serves over Socket Mode and has connected."""
    line = served.log.wait_for("serving over Socket Mode")
    assert connected.wait(30), f"never connected to the WebSocket:\n{served.log.text}"
    return line


def test_serve_uses_socket_mode_when_an_app_token_is_set(
    tmp_path: Path, fake: FakeSlack, fake_slack_server: FakeSlackServer
) -> None:
    env = serve_env(fake, fake_slack_server, SLACK_APP_TOKEN=fake.app_token)
    with socket_mode_endpoint(fake) as connected, serving(env, tmp_path) as served:
        started_in_socket_mode(served, connected)
        # Opened with the app-level token: the fake refuses any other.
        assert fake.calls_to("apps.connections.open")
        log = served.stop(signal.SIGTERM)

    assert served.process.returncode == 0, log
    assert "serving HTTP" not in log
    assert "stopped" in log and "Traceback" not in log


def test_serve_with_http_flag_answers_over_http_even_when_an_app_token_is_set(
    tmp_path: Path, fake: FakeSlack, fake_slack_server: FakeSlackServer
) -> None:
    port = free_port()
    env = serve_env(fake, fake_slack_server, SLACK_APP_TOKEN=fake.app_token, PORT=str(port))
    with serving(env, tmp_path, "--http") as served:
        served.log.wait_for(f"serving HTTP on port {port}")
        # The socket listens before that line is logged, so no polling is needed.
        assert http_get(f"http://127.0.0.1:{port}/healthz").status == 200
        log = served.stop(signal.SIGTERM)

    assert served.process.returncode == 0, log
    assert "Socket Mode" not in log
    assert fake.calls_to("apps.connections.open") == []


@pytest.mark.parametrize("mode", ["http", "socket mode"])
def test_ctrl_c_stops_serve_cleanly_as_sigterm_does(
    mode: str, tmp_path: Path, fake: FakeSlack, fake_slack_server: FakeSlackServer
) -> None:
    """Ctrl-C in a terminal must not end in a KeyboardInterrupt traceback, in either mode."""
    if mode == "http":
        port = free_port()
        env = serve_env(fake, fake_slack_server, PORT=str(port))
        with serving(env, tmp_path) as served:
            served.log.wait_for(f"serving HTTP on port {port}")
            log = served.stop(signal.SIGINT)
    else:
        env = serve_env(fake, fake_slack_server, SLACK_APP_TOKEN=fake.app_token)
        with socket_mode_endpoint(fake) as connected, serving(env, tmp_path) as served:
            started_in_socket_mode(served, connected)
            log = served.stop(signal.SIGINT)

    assert served.process.returncode == 0, log
    assert any(line.endswith("perspective: stopped") for line in log.splitlines()), log
    assert "Traceback" not in log and "KeyboardInterrupt" not in log


def test_the_database_url_is_described_without_its_password() -> None:
    """What the startup log shows: a postgresql:// URL as an operator writes it."""
    settings = parse_settings(
        {
            "SLACK_BOT_TOKEN": "xoxb-test-token",
            "DATABASE_URL": "postgresql://perspective:secretpw@db.internal:5432/perspective",
        }
    )

    described = Database(settings.database_url).describe()

    assert described == "postgresql+psycopg://perspective:***@db.internal:5432/perspective"


def test_serve_on_postgresql_logs_the_database_url_without_its_password(
    tmp_path: Path,
    fake: FakeSlack,
    fake_slack_server: FakeSlackServer,
    postgres_url: str | None,
) -> None:
    if postgres_url is None:
        pytest.skip("needs TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)")
    url = make_url(postgres_url)
    if url.password is None:
        url = url.set(password="secretpw")  # trust authentication accepts any password
    password = str(url.password)
    port = free_port()
    env = serve_env(
        fake,
        fake_slack_server,
        DATABASE_URL=url.render_as_string(hide_password=False),
        PORT=str(port),
    )
    with serving(env, tmp_path) as served:
        line = served.log.wait_for(f"serving HTTP on port {port}")
        assert http_get(f"http://127.0.0.1:{port}/healthz").status == 200  # connected with it
        log = served.stop(signal.SIGTERM)

    assert f"database {url.render_as_string(hide_password=True)}" in line
    assert ":***@" in line
    assert password not in log
