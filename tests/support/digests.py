"""Digest subscriptions and what the fake Slack shows of a digest."""

from __future__ import annotations

from typing import Any

from bot.digests import subscriptions as digests
from bot.services import Services
from storage import fieldnotes
from storage.fieldnotes import NewNote
from tests.support.bot import ADMIN, REP, TEAM, RunningBot
from tests.support.messages import blocks_of
from tests.support.replies import perspective

MARKETING = "C0MKT0001"
MARKETER = "U0MKT0001"  # reads the digest in #marketing and presses its buttons


def add_note(
    services: Services,
    text: str,
    *,
    account: str | None = "Acme Corp",
    tags: tuple[str, ...] = ("pricing",),
    author: str = REP,
) -> fieldnotes.FieldNote:
    return fieldnotes.add_note(
        services.db,
        NewNote(TEAM, author, account, text, tags, "C0SALES01", services.clock()),
    )


def subscribe(services: Services, options: str = "", channel: str = MARKETING):
    draft = digests.parse_add(f"<#{channel}|marketing> {options}", "UTC")
    assert not isinstance(draft, digests.Refusal), draft
    subscription = digests.add_subscription(services, TEAM, ADMIN, draft)
    assert not isinstance(subscription, digests.Refusal), subscription
    return subscription


def posts_to(services_or_bot: Any, channel: str = MARKETING) -> list[dict[str, Any]]:
    fake = services_or_bot.fake if isinstance(services_or_bot, RunningBot) else services_or_bot
    return fake.calls_to("chat.postMessage", lambda a: a["channel"] == channel)


def subscribe_by_command(bot: RunningBot) -> None:
    """A daily 09:00 UTC digest for #marketing, made the way an admin makes it."""
    assert "09:00" in perspective(bot, "digest add <#C0MKT0001|marketing>")["text"]


def header_counts(post: dict) -> str:
    """The context line under the digest's header: its period and counts."""
    return blocks_of(post)[1]["elements"][0]["text"]
