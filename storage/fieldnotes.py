"""Field notes: what a customer said, captured by a rep, with account and tags."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, delete, exists, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship, selectinload

from storage.base import Base, UTCDateTime
from storage.db import Database, each_row


class FieldNote(Base):
    __tablename__ = "field_notes"
    __table_args__ = (
        Index("ix_field_notes_team_created", "team_id", "created_at"),
        Index("ix_field_notes_team_author_created", "team_id", "author_id", "created_at"),
        # Digests read a workspace's notes by id range (migration 0004_digests).
        Index("ix_field_notes_team_id", "team_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    author_id: Mapped[str] = mapped_column(String(32))
    account: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    channel_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The deal the note is about, when the rep picked one in the form.
    deal_ref: Mapped[int | None] = mapped_column(ForeignKey("deals.id", ondelete="SET NULL"))
    # Saved from a Slack message (the *Save as field note* shortcut): a link to it, and
    # who wrote it, which may be the customer's words quoted by someone other than the author.
    permalink: Mapped[str | None] = mapped_column(Text)
    said_by: Mapped[str | None] = mapped_column(String(32))
    tags: Mapped[list[FieldNoteTag]] = relationship(
        order_by="FieldNoteTag.position", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def tag_names(self) -> list[str]:
        return [tag.tag for tag in self.tags]


class FieldNoteTag(Base):
    """One tag of a note; `position` 0 is the first tag, which digests group by."""

    __tablename__ = "field_note_tags"
    __table_args__ = (
        # With the note id, digests count a tag's notes over weeks from this index alone
        # (storage.note_weeks, migration 0011_digest_extras).
        Index("ix_field_note_tags_team_tag", "team_id", "tag", "note_id"),
        # Digests load the tags of a range of notes in order (migration 0004_digests).
        Index("ix_field_note_tags_team_note", "team_id", "note_id", "position"),
    )

    note_id: Mapped[int] = mapped_column(
        ForeignKey("field_notes.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    tag: Mapped[str] = mapped_column(String(100))


@dataclass(frozen=True)
class NewNote:
    team_id: str
    author_id: str
    account: str | None
    text: str
    tags: tuple[str, ...]
    channel_id: str | None
    created_at: datetime
    deal_ref: int | None = None
    permalink: str | None = None
    said_by: str | None = None


@dataclass(frozen=True)
class SearchPage:
    notes: list[FieldNote]
    total: int


def add_note(db: Database, new: NewNote) -> FieldNote:
    note = new_note_row(new)
    with db.session() as session:
        session.add(note)
    return note


def new_note_row(new: NewNote) -> FieldNote:
    """The note and its tags as rows to add, for storage modules that save more alongside."""
    return FieldNote(
        team_id=new.team_id,
        author_id=new.author_id,
        account=new.account,
        text=new.text,
        channel_id=new.channel_id,
        created_at=new.created_at,
        deal_ref=new.deal_ref,
        permalink=new.permalink,
        said_by=new.said_by,
        tags=[
            FieldNoteTag(team_id=new.team_id, tag=tag, position=i) for i, tag in enumerate(new.tags)
        ],
    )


def get_note(db: Database, team_id: str, note_id: int) -> FieldNote | None:
    with db.session() as session:
        return session.scalar(
            select(FieldNote)
            .where(FieldNote.team_id == team_id, FieldNote.id == note_id)
            .options(selectinload(FieldNote.tags))
        )


def delete_note(db: Database, team_id: str, note_id: int) -> bool:
    with db.session() as session:
        result = session.execute(
            delete(FieldNote).where(FieldNote.team_id == team_id, FieldNote.id == note_id)
        )
        return result.rowcount > 0


def search_notes(db: Database, team_id: str, words: list[str], limit: int) -> SearchPage:
    """Notes whose account, text or a tag contains every word (case-insensitive), newest first."""
    conditions = [FieldNote.team_id == team_id]
    for word in words:
        tag_match = exists().where(
            FieldNoteTag.note_id == FieldNote.id, FieldNoteTag.tag.icontains(word, autoescape=True)
        )
        conditions.append(
            FieldNote.text.icontains(word, autoescape=True)
            | FieldNote.account.icontains(word, autoescape=True)
            | tag_match
        )
    return _page(db, conditions, limit)


def notes_by_author(db: Database, team_id: str, author_id: str, limit: int) -> SearchPage:
    return _page(db, [FieldNote.team_id == team_id, FieldNote.author_id == author_id], limit)


def _page(db: Database, conditions: list, limit: int) -> SearchPage:
    with db.session() as session:
        total = session.scalar(select(func.count()).select_from(FieldNote).where(*conditions))
        notes = session.scalars(
            select(FieldNote)
            .where(*conditions)
            .order_by(FieldNote.created_at.desc(), FieldNote.id.desc())
            .limit(limit)
        ).all()
    return SearchPage(notes=list(notes), total=total or 0)


def all_notes(db: Database, batch: int = 1000) -> Iterator[FieldNote]:
    """Every note, oldest first, fetched in batches so a large export never loads all at once."""
    return each_row(db, FieldNote, batch)
