"""The parts a digest is made of: one `DigestSection` per kind of record.

A section reads the records of its kind recorded since the subscription's
previous digest, by record id: the digest hands it the frozen range
`after_id < id <= upto_id` (and the period's instants, for aggregates such as
reason counts since the period started) and gets back a count, a one-line
summary for the header and its blocks.

Plugging in a new kind (closed deals, promises at risk or broken) means writing
one `build` function — it returns `bot.digests.blocks.SectionContent`, and
`bot.digests.blocks.text_sections(lines)` packs escaped mrkdwn lines into blocks
within Slack's limits — and adding a `DigestSection` to `digest_sections()`:

    DigestSection(
        kind="deal_closures",                      # the cursor key, stored per subscription
        latest_id=deals.latest_closure_id,         # (db, team_id) -> int
        build=deal_closures_section,               # (SectionRequest) -> SectionContent
    )

No schema change is needed: cursors are rows keyed by (subscription, kind), and
a kind that a subscription has no cursor for yet starts at its latest id.

A section that follows two kinds of record (closed deals and the reasons that
come in for them later) lists the second in `more_kinds`; each gets its own
cursor, and the section reads every frozen range from `SectionRequest.ranges`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.digests import blocks as render
from bot.digests.blocks import SectionContent
from bot.digests.deal_section import deals_section
from bot.digests.promise_section import promise_events_section
from bot.digests.section import SectionRequest
from storage import deals, digest_deals, digest_notes, digest_promises
from storage.db import Database

TOP_NOTES = 5  # notes shown in the channel post; the thread carries them all


LatestId = Callable[[Database, str], int]


@dataclass(frozen=True)
class DigestSection:
    kind: str
    latest_id: LatestId
    build: Callable[[SectionRequest], SectionContent]
    more_kinds: tuple[tuple[str, LatestId], ...] = ()  # further cursors the section reads
    name: str = ""  # what `sections:` calls it; a section without a name is always shown


def field_notes_section(request: SectionRequest) -> SectionContent:
    """The newest note of each of the largest groups in the channel, every note in the thread.

    Every note stays one click from the digest, however many came in, while the
    channel post stays short enough to read at a glance.
    """
    notes = digest_notes.NoteRange(request.team_id, request.after_id, request.upto_id, request.tags)
    counts = digest_notes.tag_counts(request.db, notes)
    total = sum(group.count for group in counts)
    if not total:
        return SectionContent(0, "no new field notes", [])
    every_note = digest_notes.newest_per_tag(request.db, notes, None)
    return SectionContent(
        count=total,
        summary=f"{total:,} new field note{'s' if total != 1 else ''}",
        blocks=render.top_notes(counts, every_note, TOP_NOTES),
        thread=render.all_notes(counts, every_note) if total > TOP_NOTES else [],
    )


FIELD_NOTES = DigestSection(
    "field_notes", digest_notes.latest_note_id, field_notes_section, name="notes"
)
PROMISE_EVENTS = DigestSection(
    "promise_events", digest_promises.latest_event_id, promise_events_section, name="promises"
)
DEAL_CLOSURES = DigestSection(
    "deal_closures",
    deals.latest_closure_id,
    deals_section,
    more_kinds=(("deal_answers", digest_deals.latest_answer_id),),
    name="deals",
)
# In the order a digest shows them.
SECTION_NAMES = ("notes", "deals", "promises")


def digest_sections() -> list[DigestSection]:
    """Every section of a digest, in the order they appear."""
    return [FIELD_NOTES, DEAL_CLOSURES, PROMISE_EVENTS]


def shown_sections(sections: list[DigestSection], chosen: tuple[str, ...]) -> list[DigestSection]:
    """The sections a subscription chose (all when it chose none); cursors still cover every
    kind, so a section left out never floods a later digest with what it skipped."""
    return [s for s in sections if not chosen or not s.name or s.name in chosen]


def cursor_kinds(sections: list[DigestSection]) -> list[tuple[str, LatestId]]:
    """Every record kind the sections keep a cursor for, with how to find its newest id."""
    return [
        (kind, latest)
        for section in sections
        for kind, latest in ((section.kind, section.latest_id), *section.more_kinds)
    ]
