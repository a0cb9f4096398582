"""The HTTP surface: Slack's request signing, the health check and App Home."""

from __future__ import annotations

import json
import time
from pathlib import Path

from bot.runtime.app import build_app
from bot.runtime.server import build_web_app
from bot.services import build_services
from bot.slack.fake import FakeSlackServer
from storage import fieldnotes
from storage.db import Database
from tests.support.bot import REP, TEAM, CurrentWebApp, RunningBot, make_settings
from tests.support.slack_requests import http_get, sign

FIXTURES = Path(__file__).parent.parent / "data"


def notes(bot: RunningBot) -> list:
    return fieldnotes.search_notes(bot.db, TEAM, [], 100).notes


def test_request_with_a_bad_signature_is_rejected_and_stores_nothing(bot: RunningBot) -> None:
    body = bot.slack.command_body("/fieldnote", "[Acme] hello #x", REP, "C1", "http://x/")
    reply = bot.slack.post(body, "application/x-www-form-urlencoded", signature="v0=" + "0" * 64)
    assert reply.status == 401
    assert notes(bot) == []
    assert bot.fake.calls == []


def test_request_older_than_five_minutes_is_rejected(bot: RunningBot) -> None:
    body = bot.slack.command_body("/fieldnote", "[Acme] replayed #x", REP, "C1", "http://x/")
    stale = int(time.time()) - 6 * 60
    reply = bot.slack.post(body, "application/x-www-form-urlencoded", timestamp=stale)
    assert reply.status == 401
    assert notes(bot) == []


def test_signature_matches_slacks_published_test_vector() -> None:
    vector = json.loads((FIXTURES / "request_signing.json").read_text())["test_vector"]
    signature = sign(vector["signing_secret"], vector["timestamp"], vector["body"].encode())
    assert signature == vector["expected_signature"]


def test_url_verification_echoes_the_challenge(bot: RunningBot) -> None:
    body = json.dumps(
        {
            "token": "t",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification",
        }
    ).encode()
    reply = bot.slack.post(body, "application/json")
    assert reply.status == 200
    assert reply.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}


def test_healthz_answers_ok_when_the_database_answers(bot: RunningBot) -> None:
    reply = http_get(f"{bot.base_url}/healthz")
    assert (reply.status, reply.json()) == (200, {"ok": True})


def test_healthz_answers_503_when_the_database_does_not(
    fake_slack_server: FakeSlackServer, bot_server: tuple[CurrentWebApp, str], tmp_path: Path
) -> None:
    broken = Database(f"sqlite:///{tmp_path}/missing-dir/perspective.db")
    services = build_services(make_settings(fake_slack_server.api_url, str(broken.url)), db=broken)
    current, base_url = bot_server
    current.web_app = build_web_app(build_app(services), services)
    try:
        reply = http_get(f"{base_url}/healthz")
        assert reply.status == 503 and reply.json()["ok"] is False
    finally:
        current.web_app = None


def read_only(db: Database) -> Database:
    """The same database opened so that reads work and every write fails."""
    if db.is_sqlite:
        return Database(f"sqlite:///file:{db.url.database}?mode=ro&uri=true")
    return Database(
        str(db.url.update_query_dict({"options": "-c default_transaction_read_only=on"}))
    )


def test_healthz_answers_503_when_the_database_reads_but_cannot_write(
    bot: RunningBot, bot_server: tuple[CurrentWebApp, str]
) -> None:
    frozen = read_only(bot.db)
    services = build_services(bot.services.settings, db=frozen)
    current, base_url = bot_server
    current.web_app = build_web_app(build_app(services), services)
    assert frozen.engine.connect().exec_driver_sql("SELECT 1").scalar() == 1
    reply = http_get(f"{base_url}/healthz")
    assert (reply.status, reply.json()) == (503, {"ok": False, "error": "database unavailable"})


def test_unknown_paths_are_404(bot: RunningBot) -> None:
    assert http_get(f"{bot.base_url}/nope").status == 404


def test_opening_app_home_publishes_my_recent_notes(bot: RunningBot) -> None:
    reply, _ = bot.slack.command("/fieldnote", "[Acme] <!here> wants SSO #security")
    assert reply.status == 200 and reply.json()["text"].startswith("Saved note")
    event = {
        "type": "app_home_opened",
        "user": REP,
        "channel": "D0HOME",
        "tab": "home",
        "event_ts": "1.2",
    }
    assert bot.slack.event(event).status == 200
    [published] = bot.fake.wait_for("views.publish")
    assert published["user_id"] == REP
    view = json.dumps(published["view"])
    assert "Acme" in view and "wants SSO" in view and "<!here>" not in view
