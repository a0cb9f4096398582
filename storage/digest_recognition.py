"""The month's recognition: the notes marketing used most, and the reps who'd rather not be named.

An opted-out rep's notes still count and are still shown; only the thanks by
name is left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, delete, func, select
from sqlalchemy.orm import Mapped, aliased, mapped_column

from storage.base import Base, UTCDateTime
from storage.claims import INSERTS
from storage.db import Database
from storage.digest_notes import matches_tags
from storage.fieldnotes import FieldNote, FieldNoteTag
from storage.note_uses import NoteUse


class RecognitionOptOut(Base):
    __tablename__ = "recognition_opt_outs"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime())


@dataclass(frozen=True)
class UsedNote:
    """A note with how often marketing used it in the month, and whether to name its author."""

    note_id: int
    author_id: str
    account: str | None
    text: str
    uses: int
    named: bool


def set_named(db: Database, team_id: str, user_id: str, named: bool, now: datetime) -> None:
    """Name the rep in recognition again (`named`), or stop naming them."""
    with db.session() as session:
        if named:
            session.execute(
                delete(RecognitionOptOut).where(
                    RecognitionOptOut.team_id == team_id, RecognitionOptOut.user_id == user_id
                )
            )
            return
        insert = INSERTS[db.engine.dialect.name](RecognitionOptOut)
        session.execute(
            insert.values(team_id=team_id, user_id=user_id, since=now).on_conflict_do_nothing()
        )


def most_used(
    db: Database, team_id: str, span: tuple[datetime, datetime], tags: Sequence[str], limit: int
) -> list[UsedNote]:
    """The `limit` notes used most in `[start, end)`, most uses first (then the oldest note)."""
    start, end = span
    uses = func.count(NoteUse.id)
    counted = (
        select(NoteUse.note_id, uses.label("uses"))
        .where(NoteUse.team_id == team_id, NoteUse.used_at >= start, NoteUse.used_at < end)
        .group_by(NoteUse.note_id)
    )
    if tags:
        tag = aliased(FieldNoteTag)
        counted = counted.where(
            select(tag.note_id)
            .where(tag.note_id == NoteUse.note_id, matches_tags(tag.tag, tags))
            .exists()
        )
    top = counted.subquery()
    opted_out = (
        select(RecognitionOptOut.user_id)
        .where(
            RecognitionOptOut.team_id == team_id, RecognitionOptOut.user_id == FieldNote.author_id
        )
        .exists()
    )
    query = (
        select(
            FieldNote.id,
            FieldNote.author_id,
            FieldNote.account,
            FieldNote.text,
            top.c.uses,
            ~opted_out,
        )
        .join(top, top.c.note_id == FieldNote.id)
        .order_by(top.c.uses.desc(), FieldNote.id)
        .limit(limit)
    )
    with db.session() as session:
        return [UsedNote(*row) for row in session.execute(query)]
