"""Where marketing used a field note: the loop back to the rep who captured it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UTCDateTime
from storage.db import Database


class NoteUse(Base):
    __tablename__ = "note_uses"
    __table_args__ = (Index("ix_note_uses_team_note", "team_id", "note_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    note_id: Mapped[int] = mapped_column(ForeignKey("field_notes.id", ondelete="CASCADE"))
    used_by: Mapped[str] = mapped_column(String(32))
    used_where: Mapped[str] = mapped_column(Text)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime())


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
