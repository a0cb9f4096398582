"""What the field says about each competitor: the names and aliases it is known by, the
notes that mention it, and the deals lost to it or won against it.

Finding "gong" in the text of a million notes is a scan, so mentions are indexed when a
note is saved: each note gets one `competitor_mentions` row per competitor it names (by
its `#competitor:<name>` tags, or a known name or alias in its text). A term first seen
(a new tag, a competitor named in a win/loss answer, an admin's alias) is looked up once
in the notes already stored: at once for answers and aliases, by the next scheduler tick
for a tag, since that scan (seconds at a million notes) must not hold up a `/fieldnote` ack. An alias is a term that points at another competitor;
adding one moves what was said under the alias to that competitor, so a count of rows
is a count of notes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Boolean,
    ColumnElement,
    ForeignKey,
    Index,
    String,
    delete,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.base import Base, UTCDateTime
from storage.claims import INSERTS
from storage.db import Database
from storage.deals import LOST, WON, DealAnswer, DealClosure
from storage.fieldnotes import FieldNote, FieldNoteTag, NewNote, new_note_row

COMPETITOR_TAG = "competitor:"
# Shorter names would match inside ordinary words; they still match as tags.
MIN_TEXT_TERM = 3


class CompetitorTerm(Base):
    """A name the field uses for a competitor: its own name, or an alias of another."""

    __tablename__ = "competitor_terms"
    __table_args__ = (Index("ix_competitor_terms_team_competitor", "team_id", "competitor"),)

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    term: Mapped[str] = mapped_column(String(100), primary_key=True)  # lower-cased
    competitor: Mapped[str] = mapped_column(String(100))  # the term it counts for
    shown: Mapped[str] = mapped_column(String(100))  # as first written
    # False until the notes stored before the term was seen have been searched for it.
    indexed: Mapped[bool] = mapped_column(Boolean)


class CompetitorMention(Base):
    """One note naming one competitor; author and time are copied so that the view's
    counts read only this index, never the notes."""

    __tablename__ = "competitor_mentions"
    __table_args__ = (
        Index(
            "ix_competitor_mentions_team_competitor_created",
            "team_id",
            "competitor",
            "created_at",
            "note_id",
            "author_id",
        ),
    )

    note_id: Mapped[int] = mapped_column(
        ForeignKey("field_notes.id", ondelete="CASCADE"), primary_key=True
    )
    competitor: Mapped[str] = mapped_column(String(100), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    author_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


def answer_term() -> ColumnElement[str]:
    """How a win/loss answer names its competitor (stored trimmed), as the index below holds it."""
    return func.lower(DealAnswer.competitor)


# Lets a competitor's answers be found without reading every answer (migration 0010_intel).
Index("ix_deal_answers_team_competitor", DealAnswer.team_id, answer_term())


@dataclass(frozen=True)
class KnownCompetitor:
    name: str
    shown: str
    terms: list[str]  # its name and its aliases, which the queries below look up by key


@dataclass(frozen=True)
class DealTally:
    won: int
    lost: int


@dataclass(frozen=True)
class Quote:
    text: str
    author_id: str
    said_at: datetime
    account: str | None
    from_answer: bool  # a win/loss answer (the customer's words, as the rep heard them)


@dataclass(frozen=True)
class CompetitorSummary:
    name: str
    shown: str
    notes: int
    deals: DealTally


def normalise(name: str) -> str:
    return " ".join(name.split()).lower()


# ---- writing ---------------------------------------------------------------------------
def add_note_with_mentions(db: Database, new: NewNote) -> FieldNote:
    """Store a note and its competitor mentions in one transaction, so the index never
    misses a saved note."""
    note = new_note_row(new)
    with db.session() as session:
        session.add(note)
        session.flush()
        tagged = [tag[len(COMPETITOR_TAG) :] for tag in new.tags if tag.startswith(COMPETITOR_TAG)]
        new_terms = [(term, term) for term in tagged if term]
        learn_terms_in(session, new.team_id, new_terms, index_now=False)
        lowered = new.text.lower()
        known = session.execute(
            select(CompetitorTerm.term, CompetitorTerm.competitor).where(
                CompetitorTerm.team_id == new.team_id
            )
        )
        named = {
            competitor
            for term, competitor in known
            if term in tagged or (len(term) >= MIN_TEXT_TERM and term in lowered)
        }
        _insert_mentions(session, [_mention(note, competitor) for competitor in named])
    return note


def learn_terms(db: Database, team_id: str, names: Iterable[str]) -> None:
    """Competitors named somewhere else (a win/loss answer) become terms notes are searched for."""
    with db.session() as session:
        # As `answer_term` reads an answer's name (stored trimmed): lower-cased.
        terms = [(name.strip().lower(), name.strip()) for name in names]
        known = [(term, shown) for term, shown in terms if len(term) <= 100]
        learn_terms_in(session, team_id, known, index_now=True)


def learn_terms_in(
    session: Session, team_id: str, terms: list[tuple[str, str]], *, index_now: bool
) -> None:
    """Add each new (term, shown) as a competitor of its own, and index the stored notes
    that already name it (a scan, once per new term) now or, with `index_now` False, at
    the next `index_new_terms`."""
    insert = INSERTS[session.connection().dialect.name]
    for term, shown in terms:
        if not term:
            continue
        values = {"competitor": term, "shown": shown[:100], "indexed": index_now}
        added = session.execute(
            insert(CompetitorTerm)
            .values(team_id=team_id, term=term, **values)
            .on_conflict_do_nothing()
            .returning(CompetitorTerm.term)
        ).scalar()
        if added is not None and index_now:
            _index_stored_notes(session, team_id, term)


def index_new_terms(db: Database, limit: int = 10) -> int:
    """Search the stored notes for terms first seen in a note's tag; how many were done.
    Processes that run it together only repeat work: each insert skips what is there."""
    with db.session() as session:
        pending = session.execute(
            select(CompetitorTerm.team_id, CompetitorTerm.term)
            .where(CompetitorTerm.indexed.is_(False))
            .limit(limit)
        ).all()
    for team_id, term in pending:
        with db.session() as session:
            _index_stored_notes(session, team_id, term)
            session.execute(
                update(CompetitorTerm)
                .where(CompetitorTerm.team_id == team_id, CompetitorTerm.term == term)
                .values(indexed=True)
            )
    return len(pending)


def _index_stored_notes(session: Session, team_id: str, term: str) -> None:
    """The stored notes naming `term`, as mentions of the competitor it counts for now."""
    competitor = _competitor_of(session, team_id, term)
    tagged = select(FieldNoteTag.note_id).where(
        FieldNoteTag.team_id == team_id, FieldNoteTag.tag == COMPETITOR_TAG + term
    )
    names = FieldNote.id.in_(tagged)
    if len(term) >= MIN_TEXT_TERM:
        names = or_(names, func.lower(FieldNote.text).contains(term, autoescape=True))
    rows = select(
        FieldNote.id, literal(competitor, String), FieldNote.team_id, FieldNote.author_id,
        FieldNote.created_at,
    ).where(FieldNote.team_id == team_id, names)  # fmt: skip
    insert = INSERTS[session.connection().dialect.name]
    columns = ["note_id", "competitor", "team_id", "author_id", "created_at"]
    session.execute(insert(CompetitorMention).from_select(columns, rows).on_conflict_do_nothing())


def _mention(note: FieldNote, competitor: str) -> dict[str, object]:
    return {
        "note_id": note.id,
        "competitor": competitor,
        "team_id": note.team_id,
        "author_id": note.author_id,
        "created_at": note.created_at,
    }


def _insert_mentions(session: Session, rows: list[dict[str, object]]) -> None:
    if rows:
        insert = INSERTS[session.connection().dialect.name]
        session.execute(insert(CompetitorMention).on_conflict_do_nothing(), rows)


def add_alias(db: Database, team_id: str, competitor: str, alias: str) -> str:
    """Make `alias` count for `competitor`, with everything that counted for the alias's
    competitor before (its other names, its mentions); returns how the competitor is shown."""
    with db.session() as session:
        names = [(competitor, competitor), (alias, alias)]
        learn_terms_in(session, team_id, names, index_now=True)
        target, merged = (_competitor_of(session, team_id, term) for term in (competitor, alias))
        if merged != target:
            _merge(session, team_id, merged, target)
        return _shown(session, team_id, target)


def _competitor_of(session: Session, team_id: str, term: str) -> str:
    return session.scalar(
        select(CompetitorTerm.competitor).where(
            CompetitorTerm.team_id == team_id, CompetitorTerm.term == term
        )
    )


def _merge(session: Session, team_id: str, merged: str, target: str) -> None:
    """Move `merged`'s names and mentions to `target`; a note naming both is one mention."""
    session.execute(
        update(CompetitorTerm)
        .where(CompetitorTerm.team_id == team_id, CompetitorTerm.competitor == merged)
        .values(competitor=target)
    )
    moved = select(
        CompetitorMention.note_id, literal(target, String), CompetitorMention.team_id,
        CompetitorMention.author_id, CompetitorMention.created_at,
    ).where(CompetitorMention.team_id == team_id, CompetitorMention.competitor == merged)  # fmt: skip
    insert = INSERTS[session.connection().dialect.name]
    columns = ["note_id", "competitor", "team_id", "author_id", "created_at"]
    session.execute(insert(CompetitorMention).from_select(columns, moved).on_conflict_do_nothing())
    session.execute(
        delete(CompetitorMention).where(
            CompetitorMention.team_id == team_id, CompetitorMention.competitor == merged
        )
    )


def _shown(session: Session, team_id: str, competitor: str) -> str:
    return session.scalar(
        select(CompetitorTerm.shown).where(
            CompetitorTerm.team_id == team_id, CompetitorTerm.term == competitor
        )
    )


# ---- reading ---------------------------------------------------------------------------
def competitor_for(db: Database, team_id: str, name: str) -> KnownCompetitor | None:
    """The competitor `name` counts for, or None when nobody named it."""
    with db.session() as session:
        competitor = session.scalar(
            select(CompetitorTerm.competitor).where(
                CompetitorTerm.team_id == team_id, CompetitorTerm.term == normalise(name)
            )
        )
        if competitor is None:
            return None
        terms = session.scalars(
            select(CompetitorTerm.term).where(
                CompetitorTerm.team_id == team_id, CompetitorTerm.competitor == competitor
            )
        )
        return KnownCompetitor(competitor, _shown(session, team_id, competitor), sorted(terms))


def all_terms(db: Database, team_id: str) -> list[str]:
    with db.session() as session:
        return list(
            session.scalars(select(CompetitorTerm.term).where(CompetitorTerm.team_id == team_id))
        )


def note_counts(
    db: Database, team_id: str, competitor: KnownCompetitor, since: list[datetime]
) -> list[int]:
    """How many notes named the competitor since each instant (oldest instant first)."""
    counts = [func.count().filter(CompetitorMention.created_at >= s) for s in since]
    with db.session() as session:
        row = session.execute(
            select(*counts).where(
                CompetitorMention.team_id == team_id,
                CompetitorMention.competitor == competitor.name,
                CompetitorMention.created_at >= min(since),
            )
        ).one()
    return list(row)


def _answers_naming(team_id: str, competitor: KnownCompetitor) -> list[ColumnElement[bool]]:
    return [
        DealAnswer.team_id == team_id,
        answer_term().in_(competitor.terms),
        DealClosure.superseded_at.is_(None),
    ]


def deal_tallies(
    db: Database, team_id: str, competitor: KnownCompetitor, since: list[datetime]
) -> list[DealTally]:
    """Deals won against and lost to the competitor, closed since each instant."""
    columns = [
        func.count().filter(DealClosure.outcome == outcome, DealClosure.closed_at >= s)
        for s in since
        for outcome in (WON, LOST)
    ]
    with db.session() as session:
        row = session.execute(
            select(*columns)
            .select_from(DealAnswer)
            .join(DealClosure, DealAnswer.closure_id == DealClosure.id)
            .where(*_answers_naming(team_id, competitor), DealClosure.closed_at >= min(since))
        ).one()
    return [DealTally(won=row[i], lost=row[i + 1]) for i in range(0, len(row), 2)]


def latest_quotes(
    db: Database, team_id: str, competitor: KnownCompetitor, limit: int
) -> list[Quote]:
    """The customer's words from win/loss answers first, newest first, then from notes."""
    with db.session() as session:
        answers = session.execute(
            select(
                DealAnswer.customer_said, DealAnswer.answered_by, DealAnswer.answered_at,
                DealClosure.deal_ref,
            )
            .join(DealClosure, DealAnswer.closure_id == DealClosure.id)
            .where(*_answers_naming(team_id, competitor))
            .order_by(DealAnswer.answered_at.desc())
            .limit(limit)
        ).all()  # fmt: skip
        quotes = [Quote(said, by, at, None, True) for said, by, at, _ in answers]
        if len(quotes) >= limit:
            return quotes
        latest = (
            select(CompetitorMention.note_id)
            .where(
                CompetitorMention.team_id == team_id,
                CompetitorMention.competitor == competitor.name,
            )
            .order_by(CompetitorMention.created_at.desc())
        )
        notes = session.execute(
            select(FieldNote.text, FieldNote.author_id, FieldNote.created_at, FieldNote.account)
            .where(FieldNote.id.in_(latest.limit(limit - len(quotes))))
            .order_by(FieldNote.created_at.desc(), FieldNote.id.desc())
        ).all()
    return quotes + [Quote(text, by, at, account, False) for text, by, at, account in notes]


def top_reps(
    db: Database, team_id: str, competitor: KnownCompetitor, since: datetime, limit: int
) -> list[tuple[str, int]]:
    """Who heard about the competitor most since `since`: their notes and answers naming it."""
    heard: dict[str, int] = {}
    with db.session() as session:
        from_notes = session.execute(
            select(CompetitorMention.author_id, func.count())
            .where(
                CompetitorMention.team_id == team_id,
                CompetitorMention.competitor == competitor.name,
                CompetitorMention.created_at >= since,
            )
            .group_by(CompetitorMention.author_id)
        ).all()
        from_answers = session.execute(
            select(DealAnswer.answered_by, func.count())
            .join(DealClosure, DealAnswer.closure_id == DealClosure.id)
            .where(*_answers_naming(team_id, competitor), DealClosure.closed_at >= since)
            .group_by(DealAnswer.answered_by)
        ).all()
    for rep, count in [*from_notes, *from_answers]:
        heard[rep] = heard.get(rep, 0) + count
    return sorted(heard.items(), key=lambda item: (-item[1], item[0]))[:limit]


def summaries(db: Database, team_id: str, since: datetime) -> list[CompetitorSummary]:
    """Every competitor the field named, with its notes and deals since `since`, most
    mentioned first."""
    with db.session() as session:
        terms = session.execute(
            select(CompetitorTerm.term, CompetitorTerm.competitor, CompetitorTerm.shown).where(
                CompetitorTerm.team_id == team_id
            )
        ).all()
        competitor_of = {term: competitor for term, competitor, _ in terms}
        shown = {term: label for term, competitor, label in terms if term == competitor}
        notes = dict(
            session.execute(
                select(CompetitorMention.competitor, func.count())
                .where(
                    CompetitorMention.team_id == team_id,
                    CompetitorMention.competitor.in_(shown),
                    CompetitorMention.created_at >= since,
                )
                .group_by(CompetitorMention.competitor)
            ).all()
        )
        # By term through the answers' index (a join on the terms would read every answer).
        by_term = session.execute(
            select(answer_term(), DealClosure.outcome, func.count())
            .select_from(DealAnswer)
            .join(DealClosure, DealAnswer.closure_id == DealClosure.id)
            .where(
                DealAnswer.team_id == team_id,
                answer_term().in_(competitor_of),
                DealClosure.superseded_at.is_(None),
                DealClosure.closed_at >= since,
            )
            .group_by(answer_term(), DealClosure.outcome)
        ).all()
    tallies: dict[str, dict[str, int]] = {}
    for term, outcome, count in by_term:
        outcomes = tallies.setdefault(competitor_of[term], {})
        outcomes[outcome] = outcomes.get(outcome, 0) + count
    found = [
        CompetitorSummary(
            name=name,
            shown=label,
            notes=notes.get(name, 0),
            deals=DealTally(tallies.get(name, {}).get(WON, 0), tallies.get(name, {}).get(LOST, 0)),
        )
        for name, label in shown.items()
    ]
    return sorted(found, key=lambda s: (-(s.notes + s.deals.won + s.deals.lost), s.name))
