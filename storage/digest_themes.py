"""Rising themes: how often each tag came up lately, and which rises a subscription flagged.

The counts are one GROUP BY over the notes of the last six weeks, read through
`ix_field_notes_team_created`; the rule that turns them into a rising theme is
in `bot.digests.themes`. A rise is flagged once: its row stays until a digest
finds the tag no longer rising (`ended_at`), and only then can it be flagged again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, String, case, distinct, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.base import Base, UTCDateTime
from storage.db import Database
from storage.digest_notes import DigestNote, matches_tags
from storage.fieldnotes import FieldNote, FieldNoteTag
from storage.note_uses import NoteUse


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
    reps: int  # different reps who wrote them
    before: int  # notes with the tag in the window before


@dataclass(frozen=True)
class ThemeChange:
    """What a frozen digest changes: rises it flags, and earlier rises that are over."""

    subscription_id: int
    team_id: str
    flagged: tuple[str, ...] = ()
    ended: tuple[str, ...] = ()


def tag_activity(
    db: Database,
    team_id: str,
    tags: Sequence[str],
    windows: tuple[datetime, datetime, datetime],
    min_reps: int,
) -> list[TagActivity]:
    """Per tag raised by at least `min_reps` reps in `[recent_start, end)`: its counts there
    and in `[before_start, recent_start)`. `tags` is the subscription's filter (empty: all)."""
    before_start, recent_start, end = windows
    recent = FieldNote.created_at >= recent_start
    reps = func.count(distinct(case((recent, FieldNote.author_id))))
    query = (
        select(
            FieldNoteTag.tag,
            func.sum(case((recent, 1), else_=0)),
            reps,
            func.sum(case((recent, 0), else_=1)),
        )
        .join(FieldNote, FieldNote.id == FieldNoteTag.note_id)
        .where(
            FieldNote.team_id == team_id,
            FieldNote.created_at >= before_start,
            FieldNote.created_at < end,
        )
        .group_by(FieldNoteTag.tag)
        .having(reps >= min_reps)
    )
    if tags:
        query = query.where(matches_tags(FieldNoteTag.tag, tags))
    with db.session() as session:
        return [TagActivity(tag, int(n), int(r), int(b)) for tag, n, r, b in session.execute(query)]


def theme_notes(
    db: Database, team_id: str, tag: str, since: datetime, until: datetime, limit: int
) -> list[DigestNote]:
    """The newest notes with `tag` in `[since, until)`, as a digest shows them."""
    used = (
        select(NoteUse.id)
        .where(NoteUse.note_id == FieldNote.id, NoteUse.team_id == FieldNote.team_id)
        .exists()
    )
    query = (
        select(
            FieldNote.id,
            FieldNoteTag.tag,
            FieldNote.author_id,
            FieldNote.account,
            FieldNote.text,
            FieldNote.created_at,
            used,
        )
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
