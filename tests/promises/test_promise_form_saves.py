"""The promise form saves before it closes: a closed form is a saved promise."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.runtime.app import build_app
from bot.runtime.server import build_web_app
from bot.services import build_services
from bot.slack.fake import FakeSlack, FakeSlackServer
from storage import promises as store
from storage.db import Database
from tests.support.bot import (
    REP,
    SIGNING_SECRET,
    TEAM,
    Clock,
    CurrentWebApp,
    RunningBot,
    make_settings,
)
from tests.support.messages import text_of
from tests.support.promises import all_promises
from tests.support.slack_requests import SlackSender


def _form(what: str, due: str) -> dict:
    return {"what": what, "due": {"type": "datepicker", "selected_date": due}}


def test_a_submitted_form_is_saved_before_its_ack_returns(bot: RunningBot) -> None:
    bot.services.directory.timezone(REP)  # the rep's zone, as any earlier command caches it
    reply = bot.slack.view_submission(
        "promise_modal", _form("SSO support", "2026-12-15"), private_metadata="C0SALES01"
    )
    assert reply.status == 200 and reply.body == ""
    [promise] = all_promises(bot)  # already saved: nothing waited for
    assert promise.text == "SSO support"
    [confirmation] = bot.fake.wait_for("chat.postEphemeral")
    assert f"#{promise.id}" in text_of(confirmation)


def test_the_past_is_judged_in_the_reps_own_zone_inside_the_ack(bot: RunningBot) -> None:
    bot.clock.set(datetime(2026, 11, 24, 3, 0, tzinfo=UTC))  # still the 23rd in New York
    bot.services.directory.timezone(REP)
    today_there = bot.slack.view_submission("promise_modal", _form("Call back", "2026-11-23"))
    assert today_there.body == ""
    refused = bot.slack.view_submission("promise_modal", _form("Call back", "2026-11-22"))
    assert refused.json()["response_action"] == "errors"
    assert "in the past" in refused.json()["errors"]["due"]
    assert [p.due_on.isoformat() for p in all_promises(bot)] == ["2026-11-23"]


def test_a_form_the_database_cannot_take_stays_open_and_saves_once_it_is_back(
    fake: FakeSlack,
    fake_slack_server: FakeSlackServer,
    bot_server: tuple[CurrentWebApp, str],
    clock: Clock,
    tmp_path: Path,
) -> None:
    folder = tmp_path / "not-there-yet"
    db = Database(f"sqlite:///{folder}/perspective.db")
    settings = make_settings(fake_slack_server.api_url, str(db.url))
    services = build_services(settings, db=db, clock=clock)
    current, base_url = bot_server
    current.web_app = build_web_app(build_app(services), services)
    sender = SlackSender(
        f"{base_url}/slack/events", SIGNING_SECRET, fake_slack_server.response_url("p")
    )
    try:
        services.directory.timezone(REP)
        reply = sender.view_submission("promise_modal", _form("SSO support", "2026-12-15"))
        answer = reply.json()
        assert answer["response_action"] == "errors"
        assert "Couldn't save your promise just now" in answer["errors"]["what"]

        folder.mkdir()
        db.upgrade()
        reply = sender.view_submission("promise_modal", _form("SSO support", "2026-12-15"))
        assert reply.body == ""
        [promise] = store.open_promises_of(db, TEAM, REP, 10)
        assert promise.text == "SSO support"
    finally:
        current.web_app = None
        db.dispose()
