"""`perspective serve` started as a real process against the fake Slack, for the tests
that need the process itself (start-up, signals, being killed)."""

from __future__ import annotations

import os
import socket
import subprocess
import time

from bot.slack.fake import FakeSlack, FakeSlackServer
from tests.support.bot import SIGNING_SECRET
from tests.support.slack_requests import http_get


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


def serve_env(fake: FakeSlack, fake_slack_server: FakeSlackServer, **extra: str) -> dict[str, str]:
    """The environment of an HTTP deployment against the fake Slack, plus `extra`; the
    test runner's own Slack and database settings are left out."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))},
        "SLACK_BOT_TOKEN": fake.token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack_server.api_url,
        **extra,
    }
