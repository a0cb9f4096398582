"""Marketing's loop back to the rep who captured a note: where it was used (*Used it*)
and the questions asked about it (*Ask rep*)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, func, select
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UTCDateTime
from storage.db import Database
from storage.fieldnotes import FieldNote


class NoteUse(Base):
    __tablename__ = "note_uses"
    __table_args__ = (Index("ix_note_uses_team_note", "team_id", "note_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    note_id: Mapped[int] = mapped_column(ForeignKey("field_notes.id", ondelete="CASCADE"))
    used_by: Mapped[str] = mapped_column(String(32))
    used_where: Mapped[str] = mapped_column(Text)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime())


class NoteQuestion(Base):
    """A marketer pressed *Ask rep* under a note: what they asked about, for their Home."""

    __tablename__ = "note_questions"
    __table_args__ = (Index("ix_note_questions_team_asked_by", "team_id", "asked_by", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    note_id: Mapped[int] = mapped_column(ForeignKey("field_notes.id", ondelete="CASCADE"))
    asked_by: Mapped[str] = mapped_column(String(32))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime())


@dataclass(frozen=True)
class UseCount:
    """How often marketing used one note: since `since` (this month) and in all."""

    recent: int
    total: int


@dataclass(frozen=True)
class MarketerNote:
    """A note a marketer used or asked about, and when."""

    note: FieldNote
    when: datetime
    where: str | None = None


def record_use(
    db: Database, team_id: str, note_id: int, used_by: str, used_where: str, now: datetime
) -> NoteUse:
    use = NoteUse(
        team_id=team_id, note_id=note_id, used_by=used_by, used_where=used_where, used_at=now
    )
    with db.session() as session:
        session.add(use)
    return use


def uses_of(db: Database, team_id: str, note_id: int) -> list[NoteUse]:
    with db.session() as session:
        return list(
            session.scalars(
                select(NoteUse)
                .where(NoteUse.team_id == team_id, NoteUse.note_id == note_id)
                .order_by(NoteUse.id)
            )
        )


def use_counts(
    db: Database, team_id: str, note_ids: list[int], since: datetime
) -> dict[int, UseCount]:
    """Each note's uses since `since` and in all; notes never used are left out."""
    recent = func.count().filter(NoteUse.used_at >= since)
    with db.session() as session:
        rows = session.execute(
            select(NoteUse.note_id, recent, func.count())
            .where(NoteUse.team_id == team_id, NoteUse.note_id.in_(note_ids))
            .group_by(NoteUse.note_id)
        )
        return {note_id: UseCount(recent=r, total=t) for note_id, r, t in rows}


def uses_by(db: Database, team_id: str, marketer: str, limit: int) -> list[MarketerNote]:
    """The notes a marketer marked used, latest use first."""
    with db.session() as session:
        rows = session.execute(
            select(FieldNote, NoteUse.used_at, NoteUse.used_where)
            .join(FieldNote, FieldNote.id == NoteUse.note_id)
            .where(NoteUse.team_id == team_id, NoteUse.used_by == marketer)
            .order_by(NoteUse.id.desc())
            .limit(limit)
        ).all()
        return [MarketerNote(note, when, where) for note, when, where in rows]


def record_question(db: Database, team_id: str, note_id: int, asked_by: str, now: datetime) -> None:
    with db.session() as session:
        session.add(NoteQuestion(team_id=team_id, note_id=note_id, asked_by=asked_by, asked_at=now))


def questions_by(db: Database, team_id: str, marketer: str, limit: int) -> list[MarketerNote]:
    """The notes a marketer asked a rep about, latest question first."""
    with db.session() as session:
        rows = session.execute(
            select(FieldNote, NoteQuestion.asked_at)
            .join(FieldNote, FieldNote.id == NoteQuestion.note_id)
            .where(NoteQuestion.team_id == team_id, NoteQuestion.asked_by == marketer)
            .order_by(NoteQuestion.id.desc())
            .limit(limit)
        ).all()
        return [MarketerNote(note, when) for note, when in rows]
