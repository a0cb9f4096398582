"""Slack's Events API retries: the same `event_id` is handled once, even by another
process or after a restart, and acknowledged every time."""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta

import pytest

from bot.runtime.app import build_app
from bot.runtime.server import build_web_app
from bot.runtime.slack_events import KEY_PREFIX, forget_old_events
from bot.services import Services
from storage import claims
from tests.support.bot import REP, SIGNING_SECRET, TEAM, CurrentWebApp, RunningBot
from tests.support.slack_requests import Reply, http_post, sign

OTHER_REP = "U0REP0002"


def deliver(bot: RunningBot, event_id: str, user: str, retry: int | None = None) -> Reply:
    """An `app_home_opened` delivery as Slack sends it, and resends it with a retry number."""
    body = json.dumps(
        {
            "team_id": TEAM,
            "api_app_id": "A0PERSPECT",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "event": {"type": "app_home_opened", "user": user, "tab": "home", "event_ts": "1.2"},
        }
    ).encode()
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": sign(SIGNING_SECRET, stamp, body),
    }
    if retry is not None:
        headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
    return http_post(bot.slack.events_url, body, headers)


def test_a_retried_event_is_acknowledged_and_not_handled_again_after_a_restart(
    bot: RunningBot,
    bot_server: tuple[CurrentWebApp, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert deliver(bot, "Ev0HOME0001", REP).status == 200
    bot.fake.wait_for("views.publish")
    current, _ = bot_server
    current.web_app = build_web_app(build_app(bot.services), bot.services)  # a new process
    with caplog.at_level(logging.INFO, logger="bot.runtime.slack_events"):
        assert deliver(bot, "Ev0HOME0001", REP, retry=1).status == 200
        assert deliver(bot, "Ev0HOME0002", OTHER_REP).status == 200
        published = bot.fake.wait_for("views.publish", count=2)
    assert [call["user_id"] for call in published] == [REP, OTHER_REP]
    assert "Slack event Ev0HOME0001 already handled; retry 1 acknowledged only" in caplog.text


def test_handled_events_are_forgotten_after_a_day(services: Services) -> None:
    now = services.clock()
    handled = {
        KEY_PREFIX + "EvOLD": now - timedelta(days=1, minutes=1),
        KEY_PREFIX + "EvNEW": now - timedelta(hours=23),
        "digest:1:2026-12-01": now - timedelta(days=3),
    }
    for key, when in handled.items():
        assert claims.claim_once(services.db, TEAM, key, when)
        claims.complete(services.db, key, when)
    forget_old_events(services, now)
    assert claims.claim_once(services.db, TEAM, KEY_PREFIX + "EvOLD", now)
    assert not claims.claim_once(services.db, TEAM, KEY_PREFIX + "EvNEW", now)
    assert not claims.claim_once(services.db, TEAM, "digest:1:2026-12-01", now)
