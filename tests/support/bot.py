"""The test workspace's people, an injected clock, and the bot as the tests drive it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.config import Settings
from bot.runtime.scheduler import run_tick
from bot.runtime.server import WebApp
from bot.services import Services, build_services
from bot.slack.fake import FakeSlack
from storage.db import Database
from tests.support.slack_requests import SlackSender

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
WEBHOOK_SECRET = "deals-webhook-secret"
TEAM = "T0001"
REP = "U0REP0001"
OTHER_REP = "U0REP0002"
MANAGER = "U0MGR0001"
ADMIN = "U0ADM0001"
START = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)

Tick = Callable[[str], int]  # the `cli_tick` fixture: `perspective tick --now ISO`


class Clock:
    """An injected clock tests move by hand; nothing in the tests sleeps."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def set(self, now: datetime) -> datetime:
        self.now = now
        return now


def make_settings(api_url: str, database_url: str, **overrides: object) -> Settings:
    """Settings for a bot that talks to the fake Slack at `api_url`."""
    values: dict[str, object] = {
        "slack_bot_token": "xoxb-test-token",
        "slack_signing_secret": SIGNING_SECRET,
        "database_url": database_url,
        "slack_api_url": api_url,
        "deals_webhook_secret": WEBHOOK_SECRET,
        "default_timezone": "UTC",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@dataclass
class RunningBot:
    """The whole bot on real HTTP, and the handles a test needs to drive and watch it."""

    services: Services
    fake: FakeSlack
    slack: SlackSender
    base_url: str
    clock: Clock

    @property
    def db(self) -> Database:
        return self.services.db


class CurrentWebApp:
    """The running test's web app, behind one waitress server for the whole run.

    Stopping waitress waits out its one-second poll, and each server keeps its
    sixteen worker threads: one server a test cost a second and sixteen threads
    a test for nothing the tests check.
    """

    def __init__(self) -> None:
        self.web_app: WebApp | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        assert self.web_app is not None, "a request arrived between tests"
        return self.web_app(environ, start_response)


def tick_concurrently(services: Services, instant: datetime, processes: int = 3) -> None:
    """Run the same tick as several bot processes would: each with its own connection
    pool, released together by a barrier. Any failure is re-raised here."""
    url = services.db.url.render_as_string(hide_password=False)
    barrier = threading.Barrier(processes)
    errors: list[BaseException] = []

    def one_process() -> None:
        database = Database(url)
        own = build_services(services.settings, db=database, clock=services.clock)
        try:
            barrier.wait()
            report = run_tick(own, instant)
            assert report.failed == [], report.failed
        except BaseException as error:  # collected and re-raised in the test's thread
            errors.append(error)
        finally:
            database.dispose()

    threads = [threading.Thread(target=one_process) for _ in range(processes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    if errors:
        raise errors[0]
