"""Field notes as a digest reads them: by record id range, grouped by first tag, in SQL.

A digest covers the notes with `after_id < id <= upto_id`. Each note is shown
under its first tag — its first tag that matches the subscription's filter when
there is one (a filter `competitor` also matches `competitor:gong`). Counting
and picking the newest notes of each group happen in the database, so a digest
over thousands of notes reads only what it shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import aliased

from storage.db import Database
from storage.fieldnotes import FieldNote, FieldNoteTag
from storage.note_uses import NoteUse


@dataclass(frozen=True)
class NoteRange:
    team_id: str
    after_id: int
    upto_id: int
    tags: tuple[str, ...] = ()  # the subscription's filter; empty means every note


@dataclass(frozen=True)
class TagCount:
    tag: str | None  # None: notes without tags
    count: int


@dataclass(frozen=True)
class DigestNote:
    """A note as one digest shows it: a projection, because `FieldNote` holds neither field
    it adds — `tag`, the group it falls in under this subscription's filter, and `used`,
    whether marketing marked it used (from `note_uses`)."""

    id: int
    tag: str | None
    author_id: str
    account: str | None
    text: str
    created_at: datetime
    used: bool


def latest_note_id(db: Database, team_id: str) -> int:
    """The newest note's id (0 when there is none): where a new subscription starts reading."""
    with db.session() as session:
        return (
            session.scalar(select(func.max(FieldNote.id)).where(FieldNote.team_id == team_id)) or 0
        )


def tag_counts(db: Database, notes: NoteRange) -> list[TagCount]:
    """How many notes each group holds: largest group first, untagged notes last."""
    grouped = _grouped(notes).subquery()
    query = (
        select(grouped.c.tag, func.count().label("n"))
        .group_by(grouped.c.tag)
        .order_by(grouped.c.tag.is_(None), func.count().desc(), grouped.c.tag)
    )
    with db.session() as session:
        return [TagCount(tag, n) for tag, n in session.execute(query)]


def newest_per_tag(db: Database, notes: NoteRange, per_tag: int | None) -> list[DigestNote]:
    """Up to `per_tag` newest notes of every group (the window function does the picking);
    every note in range, newest first within its group, when `per_tag` is None."""
    grouped = _grouped(notes).subquery()
    ranked = select(
        grouped.c.note_id,
        grouped.c.tag,
        func.row_number()
        .over(partition_by=grouped.c.tag, order_by=grouped.c.note_id.desc())
        .label("rank"),
    ).subquery()
    query = (
        select(*digest_note_columns(ranked.c.tag))
        .join(ranked, ranked.c.note_id == FieldNote.id)
        .order_by(ranked.c.tag, FieldNote.id.desc())
    )
    if per_tag is not None:
        query = query.where(ranked.c.rank <= per_tag)
    with db.session() as session:
        return [DigestNote(*row) for row in session.execute(query)]


def digest_note_columns(tag: ColumnElement[str]) -> tuple[ColumnElement[Any], ...]:
    """What a `DigestNote` is read from, `tag` being the group the note is shown under; every
    query of notes a digest shows selects these."""
    used = (
        select(NoteUse.id)
        .where(NoteUse.note_id == FieldNote.id, NoteUse.team_id == FieldNote.team_id)
        .exists()
    )
    return (
        FieldNote.id,
        tag,
        FieldNote.author_id,
        FieldNote.account,
        FieldNote.text,
        FieldNote.created_at,
        used,
    )


def _grouped(notes: NoteRange) -> Select:
    """(note_id, tag) for every note in range, `tag` being the group the note is shown under."""
    if not notes.tags:
        first = aliased(FieldNoteTag)
        return (
            select(FieldNote.id.label("note_id"), first.tag.label("tag"))
            .outerjoin(first, and_(first.note_id == FieldNote.id, first.position == 0))
            .where(FieldNote.team_id == notes.team_id, *_in_range(FieldNote.id, notes))
        )
    tag, earlier = aliased(FieldNoteTag), aliased(FieldNoteTag)
    first_match = (
        select(func.min(earlier.position))
        .where(earlier.note_id == tag.note_id, matches_tags(earlier.tag, notes.tags))
        .scalar_subquery()
    )
    return select(tag.note_id.label("note_id"), tag.tag.label("tag")).where(
        tag.team_id == notes.team_id,
        *_in_range(tag.note_id, notes),
        matches_tags(tag.tag, notes.tags),
        tag.position == first_match,
    )


def _in_range(column: ColumnElement[int], notes: NoteRange) -> list[ColumnElement[bool]]:
    return [column > notes.after_id, column <= notes.upto_id]


def matches_tags(column: ColumnElement[str], tags: Sequence[str]) -> ColumnElement[bool]:
    """`pricing` matches the tag `pricing`; `competitor` also matches `competitor:gong`."""
    return or_(column.in_(tags), *(column.startswith(f"{tag}:", autoescape=True) for tag in tags))
