"""Shared fixtures: a fake Slack, both databases, an injected clock, and the bot on real HTTP.

Storage and scheduling run against SQLite and PostgreSQL. PostgreSQL tests use
TEST_DATABASE_URL (CI sets it); each pytest run creates its own throw-away
database there so parallel runs never see each other's rows. Both are migrated
once a run: each SQLite test gets a copy of a migrated file, and the PostgreSQL
database is emptied before each test.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.runtime.app import build_app
from bot.runtime.cli import main, parse_instant
from bot.runtime.scheduler import run_tick
from bot.runtime.server import HttpServer, build_web_app
from bot.services import Services, build_services
from bot.slack.fake import FakeSlack, FakeSlackServer
from storage.db import Database
from tests.support.bot import (
    ADMIN,
    MANAGER,
    OTHER_REP,
    REP,
    SIGNING_SECRET,
    Clock,
    CurrentWebApp,
    RunningBot,
    Tick,
    make_settings,
)
from tests.support.cli import InProcessCli
from tests.support.postgres import empty_postgres, without_commit_flushes
from tests.support.slack_requests import SlackSender
from tests.support.throwaway_db import throwaway_postgres


@pytest.fixture(scope="session")
def fake_slack_server() -> Iterator[FakeSlackServer]:
    server = FakeSlackServer().start()
    yield server
    server.stop()


@pytest.fixture
def fake(fake_slack_server: FakeSlackServer) -> Iterator[FakeSlack]:
    fake_slack_server.fake.reset()
    for user in (REP, OTHER_REP, MANAGER):
        fake_slack_server.fake.add_user(user)
    fake_slack_server.fake.add_user(ADMIN, is_admin=True)
    yield fake_slack_server.fake
    fake_slack_server.fake.reset()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str | None]:
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield None
        return
    with throwaway_postgres(base) as url:
        without_commit_flushes(url)
        database = Database(url)
        database.upgrade()
        database.dispose()
        yield url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once a run, for each test to copy."""
    path = tmp_path_factory.mktemp("template") / "perspective.db"
    database = Database(f"sqlite:///{path}")
    database.upgrade()
    database.dispose()  # the last connection to close folds the WAL into the file
    assert not path.with_name(f"{path.name}-wal").exists()
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, postgres_url: str | None) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'perspective.db'}"
    if postgres_url is None:
        pytest.skip(
            "PostgreSQL tests need TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)"
        )
    return postgres_url


@pytest.fixture
def db(database_url: str, sqlite_template: Path) -> Iterator[Database]:
    """The migrated schema with no rows: a copied SQLite file, or the emptied PostgreSQL one."""
    database = Database(database_url)
    if database.is_sqlite:
        shutil.copyfile(sqlite_template, str(database.url.database))
    else:
        empty_postgres(database)
    yield database
    database.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def services(
    fake: FakeSlack, fake_slack_server: FakeSlackServer, db: Database, clock: Clock
) -> Services:
    settings = make_settings(fake_slack_server.api_url, str(db.url))
    return build_services(settings, db=db, clock=clock)


@pytest.fixture(scope="session")
def bot_server() -> Iterator[tuple[CurrentWebApp, str]]:
    """waitress on a free port for the whole run, serving each test's own web app."""
    current = CurrentWebApp()
    server = HttpServer(current, port=0, host="127.0.0.1")  # type: ignore[arg-type]
    thread = server.start_in_thread()
    yield current, f"http://127.0.0.1:{server.port}"
    server.close()
    thread.join(timeout=10)


@pytest.fixture
def bot(
    services: Services,
    fake: FakeSlack,
    fake_slack_server: FakeSlackServer,
    clock: Clock,
    bot_server: tuple[CurrentWebApp, str],
) -> Iterator[RunningBot]:
    """The whole bot behind waitress, talking to the fake Slack."""
    current, base_url = bot_server
    current.web_app = build_web_app(build_app(services), services)
    sender = SlackSender(
        f"{base_url}/slack/events", SIGNING_SECRET, fake_slack_server.response_url("r")
    )
    yield RunningBot(services, fake, sender, base_url, clock)
    current.web_app = None


@pytest.fixture
def cli_tick(bot: RunningBot, monkeypatch: pytest.MonkeyPatch) -> Tick:
    """Run `perspective tick --now ISO` (the real CLI) against the test database and fake
    Slack; a tick in which any job failed fails the test."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("DATABASE_URL", bot.db.url.render_as_string(hide_password=False))
    monkeypatch.setenv("SLACK_API_URL", str(bot.services.settings.slack_api_url))
    monkeypatch.setenv("DEFAULT_TIMEZONE", "UTC")
    monkeypatch.delenv("PERSPECTIVE_ADMINS", raising=False)

    def run(instant: str) -> int:
        code = main(["tick", "--now", instant])
        assert code == 0, f"a scheduled job failed in the tick at {instant}"
        return code

    return run


@pytest.fixture
def tick(bot: RunningBot) -> Tick:
    """One scheduler tick at an ISO instant, as `perspective tick --now` runs it: services of
    its own with the wall clock, on the test's database pool, since a new engine a tick
    compiles every query again. A tick in which any job failed fails the test."""

    def run(instant: str) -> int:
        services = build_services(bot.services.settings, db=bot.db)
        report = run_tick(services, parse_instant(instant))
        assert report.failed == [], f"{report.failed} failed in the tick at {instant}"
        return 0

    return run


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> InProcessCli:
    """`perspective ARGS` run in this process; settings and folder are undone afterwards."""
    return InProcessCli(monkeypatch, capsys)
