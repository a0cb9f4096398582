"""Rising themes: how often each tag came up lately, and which rises a subscription flagged.

The counts are one GROUP BY over the tags of the last six weeks' notes, read by
note id from one covering index (`storage.note_weeks`); reps are counted only
for the tags the counts make candidates. The rule that turns them into a rising
theme is in `bot.digests.themes`. A rise is flagged once: its row stays until a digest
finds the tag no longer rising (`ended_at`), and only then can it be flagged again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage import note_weeks
from storage.base import Base, UTCDateTime
from storage.db import Database
from storage.digest_notes import DigestNote, digest_note_columns
from storage.fieldnotes import FieldNote, FieldNoteTag


class RisingTheme(Base):
    __tablename__ = "digest_rising_themes"

    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("digest_subscriptions.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(100), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    flagged_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


@dataclass(frozen=True)
class TagActivity:
    tag: str
    recent: int  # notes with the tag in the recent window
    before: int  # notes with the tag in the window before


@dataclass(frozen=True)
class ThemeChange:
    """What a frozen digest changes: rises it flags, and earlier rises that are over."""

    subscription_id: int
    team_id: str
    flagged: tuple[str, ...] = ()
    ended: tuple[str, ...] = ()


def tag_activity(
    db: Database, team_id: str, tags: Sequence[str], windows: tuple[datetime, datetime, datetime]
) -> list[TagActivity]:
    """Per tag: its notes in `[recent_start, end)` and in `[before_start, recent_start)`.
    `tags` is the subscription's filter (empty: all)."""
    edges = note_weeks.first_ids_at(db, team_id, windows)
    counts = note_weeks.tag_counts_by_span(db, team_id, tags, edges)
    return [TagActivity(tag, recent, before) for tag, (before, recent) in counts.items()]


def reps_lately(
    db: Database, team_id: str, tags: Sequence[str], since: datetime, until: datetime
) -> dict[str, int]:
    """How many different reps raised each of `tags` in `[since, until)`."""
    first, end = note_weeks.first_ids_at(db, team_id, (since, until))
    return note_weeks.reps_per_tag(db, team_id, tags, (first, end))


def theme_notes(
    db: Database, team_id: str, tag: str, since: datetime, until: datetime, limit: int
) -> list[DigestNote]:
    """The newest notes with `tag` in `[since, until)`, as a digest shows them."""
    query = (
        select(*digest_note_columns(FieldNoteTag.tag))
        .join(FieldNoteTag, FieldNoteTag.note_id == FieldNote.id)
        .where(
            FieldNote.team_id == team_id,
            FieldNoteTag.tag == tag,
            FieldNote.created_at >= since,
            FieldNote.created_at < until,
        )
        .order_by(FieldNote.id.desc())
        .limit(limit)
    )
    with db.session() as session:
        return [DigestNote(*row) for row in session.execute(query)]


def flagged_rises(db: Database, subscription_id: int) -> set[str]:
    """The tags whose current rise this subscription has already flagged."""
    with db.session() as session:
        return set(
            session.scalars(
                select(RisingTheme.tag).where(
                    RisingTheme.subscription_id == subscription_id, RisingTheme.ended_at.is_(None)
                )
            )
        )


def record_in(session: Session, change: ThemeChange, now: datetime) -> None:
    """Apply a frozen digest's change, in the transaction that freezes it."""
    for tag in change.flagged:
        theme = session.get(RisingTheme, (change.subscription_id, tag))
        if theme is None:
            session.add(
                RisingTheme(
                    subscription_id=change.subscription_id,
                    tag=tag,
                    team_id=change.team_id,
                    flagged_at=now,
                )
            )
        else:
            theme.flagged_at, theme.ended_at = now, None
    for tag in change.ended:
        theme = session.get(RisingTheme, (change.subscription_id, tag))
        if theme is not None:
            theme.ended_at = now
