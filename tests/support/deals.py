"""Closed deals as a CRM and a rep send them, for the tests of every feature that reads deals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.deals import winloss
from bot.deals.webhook import signature_for
from storage import deals
from storage.db import Database
from storage.deals import DealClosure
from tests.support.bot import (
    REP,
    WEBHOOK_SECRET,
    RunningBot,
)
from tests.support.slack_requests import Reply, http_post

ACME = {
    "deal_id": "crm-1001",
    "name": "Acme renewal",
    "account": "Acme Corp",
    "amount": 48000,
    "currency": "USD",
    "outcome": "lost",
    "owner_slack_id": REP,
    "closed_at": "2026-11-23T12:00:00Z",
}


def send_deal(bot: RunningBot, payload: Any, *, signature: str | None = None) -> Reply:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {"Content-Type": "application/json"}
    if signature is None:
        signature = signature_for(WEBHOOK_SECRET, body)
    if signature:
        headers["X-Perspective-Signature"] = signature
    return http_post(f"{bot.base_url}/hooks/deals", body, headers)


def settle(bot: RunningBot) -> None:
    """Let background prompts finish, so "exactly one" can be asserted without sleeping."""
    winloss.prompts.drain()


def use_cli(bot: RunningBot, monkeypatch: pytest.MonkeyPatch, cwd: Path) -> None:
    """Point the `perspective` command line at this test's database and fake Slack."""
    settings = bot.services.settings
    monkeypatch.setenv("SLACK_BOT_TOKEN", settings.slack_bot_token)
    monkeypatch.setenv("SLACK_API_URL", settings.slack_api_url or "")
    monkeypatch.setenv("DATABASE_URL", bot.db.url.render_as_string(hide_password=False))
    monkeypatch.chdir(cwd)


def press_reason(
    bot: RunningBot, closure: DealClosure, reason: str, user: str = REP
) -> tuple[Reply, str]:
    reply, response_url = bot.slack.block_action(
        f"winloss_reason:{reason}",
        str(closure.id),
        user=user,
        channel=closure.prompt_channel,
        message_ts=closure.prompt_ts or "",
    )
    assert reply.status == 200
    return reply, response_url


def submit_answer(
    bot: RunningBot, closure_id: int, reason: str, user: str = REP, **values: Any
) -> Reply:
    state = {**ANSWER, **values}
    state["winloss_reason"] = {
        "type": "static_select",
        "selected_option": {"text": {"type": "plain_text", "text": reason}, "value": reason},
    }
    state = {k: v for k, v in state.items() if v is not None}
    metadata = json.dumps({"closure": closure_id, "home": False})
    return bot.slack.view_submission("winloss_modal", state, user=user, private_metadata=metadata)


ANSWER = {
    "customer_said": "  Gong bundled call recording for free and the CFO took it  ",
    "competitor": "Gong",
    "talked": {
        "type": "checkboxes",
        "selected_options": [{"text": {"type": "plain_text", "text": "x"}, "value": "yes"}],
    },
    "marketing_note": "Lead with the recording roadmap",
}


def prompts_to(bot: RunningBot, user: str) -> list[dict]:
    return bot.fake.calls_to(
        "chat.postMessage", lambda a: a["channel"] == user and not a.get("thread_ts")
    )


def thread_replies(bot: RunningBot) -> list[dict]:
    return bot.fake.calls_to("chat.postMessage", lambda a: bool(a.get("thread_ts")))


def blocks_of(args: dict) -> list[dict]:
    blocks = args.get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else blocks


def view_of(args: dict) -> dict:
    view = args["view"]
    return json.loads(view) if isinstance(view, str) else view


def shown(args: dict) -> str:
    return (args.get("text") or "") + json.dumps(blocks_of(args))


def count(db: Database, column: Any) -> int:
    with db.session() as session:
        return session.scalar(select(func.count(column)))


def only_closure(bot: RunningBot) -> DealClosure:
    [closure] = list(deals.all_closures(bot.db))
    return closure


def prompted_closure(bot: RunningBot, payload: dict | None = None) -> DealClosure:
    assert send_deal(bot, payload or ACME).status == 200
    settle(bot)
    closure = only_closure(bot)
    assert closure.prompt_ts is not None
    return closure
