"""`perspective sandbox --list` and `--json NAME`: messages and forms from sample data.

For whoever words or lays out a message: paste one payload into Slack's Block Kit
Builder and see it as reps and managers will, without a workspace, a database
or settings. The renderers are the ones the bot sends with (`bot/*/blocks.py`),
fed made-up records, so what is shown here is what Slack gets.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from bot.deals import blocks as winloss_blocks
from bot.digests import blocks as digest_blocks
from bot.digests.blocks import SectionContent
from bot.fieldnotes import blocks as fieldnote_blocks
from bot.promises import blocks as promise_blocks
from storage.deals import Deal, DealAnswer, DealClosure
from storage.digest_notes import DigestNote, TagCount
from storage.digests import DigestSubscription
from storage.fieldnotes import FieldNote, FieldNoteTag
from storage.promises import Promise

TEAM = "T0SANDBOX"
REP = "U0SANDREP"
NOW = datetime(2026, 11, 20, 16, 30, tzinfo=UTC)
TODAY = NOW.date()

Payload = dict[str, Any]
# What every sample record shares: one workspace, one rep, one customer.
SHARED = {"team_id": TEAM, "account": "Acme Corp", "created_at": NOW}
NOTE_TEXT = "They asked for SSO on the Team plan; Gong quoted them 20% less for two years."


def _note() -> FieldNote:
    tags = ["pricing", "competitor:gong"]
    return FieldNote(
        id=42,
        author_id=REP,
        text=NOTE_TEXT,
        **SHARED,
        tags=[FieldNoteTag(team_id=TEAM, tag=tag, position=i) for i, tag in enumerate(tags)],
    )


def _promise(due_on: date) -> Promise:
    return Promise(
        id=7,
        owner_id=REP,
        text="Send the SOC 2 report",
        due_on=due_on,
        due_end_at=datetime.combine(due_on, datetime.max.time(), UTC),
        remind_at=NOW + timedelta(days=1),
        status="open",
        at_risk=False,
        snoozed=False,
        **SHARED,
    )


def _closure(*, answered: bool = False) -> DealClosure:
    deal = Deal(
        id=3,
        deal_id="crm-1001",
        name="Acme renewal",
        amount=Decimal("48000.00"),
        currency="USD",
        outcome="lost",
        owner_id=REP,
        source="webhook",
        **SHARED,
    )
    closure = DealClosure(
        id=11,
        team_id=TEAM,
        deal=deal,
        deal_ref=deal.id,
        outcome="lost",
        owner_id=REP,
        closed_at=NOW,
        created_at=NOW,
        wants_prompt=True,
        answer=None,
    )
    if answered:
        closure.answer = DealAnswer(
            team_id=TEAM,
            closure_id=closure.id,
            reason="competitor",
            competitor="Gong",
            customer_said="Gong came in 20% cheaper and already had SSO on the team plan.",
            talked_to_customer=True,
            answered_by=REP,
            answered_at=NOW,
        )
    return closure


def _digest() -> Payload:
    """A daily digest in a marketing channel: three new notes under two tags."""
    posted = NOW.replace(hour=8, minute=0)  # 09:00 in Berlin
    subscription = DigestSubscription(
        id=5,
        team_id=TEAM,
        channel_id="C0MARKETING",
        cadence="daily",
        post_at="09:00",
        timezone="Europe/Berlin",
        created_by=REP,
        created_at=NOW,
        period_start=posted - timedelta(days=1),
    )
    notes = [
        DigestNote(42, "pricing", REP, "Acme Corp", NOTE_TEXT, NOW, used=False),
        DigestNote(
            43, "pricing", "U0SANDREP2", "Globex", "Wants monthly billing.", NOW, used=False
        ),
        DigestNote(44, "competitor:gong", REP, None, "Gong demoed call scoring.", NOW, used=True),
    ]
    counts = [TagCount("pricing", 2), TagCount("competitor:gong", 1)]
    notes_part = SectionContent(
        3,
        "3 new field notes",
        digest_blocks.top_notes(counts, notes, 5),
        digest_blocks.all_notes(counts, notes),
    )
    message, *_thread = digest_blocks.digest_messages(
        subscription, posted - timedelta(days=1), posted, [notes_part]
    )
    return {"text": message.text, "blocks": message.blocks}


def _blocks(blocks: list[dict[str, Any]]) -> Payload:
    return {"blocks": blocks}


SURFACES: dict[str, Callable[[], Payload]] = {
    "fieldnote-saved": lambda: _blocks(fieldnote_blocks.saved(_note())),
    "promise-saved": lambda: _blocks(promise_blocks.saved(_promise(TODAY + timedelta(2)), None)),
    "promise-reminder": lambda: _blocks(
        promise_blocks.reminder(_promise(TODAY + timedelta(1)), TODAY)
    ),
    "winloss-prompt": lambda: _blocks(winloss_blocks.prompt(_closure())),
    "winloss-reason-form": lambda: winloss_blocks.reason_modal(
        _closure(), "competitor", from_home=False
    ),
    "winloss-answered": lambda: _blocks(winloss_blocks.answered(_closure(answered=True))),
    "digest": _digest,
}


def render(name: str) -> Payload:
    """One surface's payload as Block Kit Builder takes it: a message's `blocks`, or a view."""
    return SURFACES[name]()
