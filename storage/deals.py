"""Closed deals, each closure's win/loss prompt, and the rep's answer.

A *deal* is what the CRM knows (one row per `(team_id, deal_id)`); a *closure*
is one recorded outcome of it — a deal that flips from won to lost gets a second
closure and a second prompt, a resent webhook gets neither. The *answer* is the
rep's real reason, at most one per closure. Closures and answers carry
autoincrement ids and timestamps so digests can track what they already showed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Connection,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    bindparam,
    case,
    exists,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import (
    Mapped,
    Session,
    configure_mappers,
    joinedload,
    mapped_column,
    relationship,
)
from sqlalchemy.sql.elements import TextClause

from storage import claims, group_commit
from storage.base import Base, UTCDateTime
from storage.db import Database

WON, LOST = "won", "lost"
# What a resend may change about a deal (with its outcome); the rest is fixed at first sight.
DEAL_VALUES = ("name", "account", "amount", "currency", "outcome", "owner_id", "owner_email")


M = TypeVar("M", bound=Base)


class Deal(Base):
    __tablename__ = "deals"
    __table_args__ = (
        UniqueConstraint("team_id", "deal_id", name="uq_deals_team_deal"),
        # Owner first: see migration 0009 (a deal lookup must not pick this index).
        Index("ix_deals_owner_team", "owner_id", "team_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    deal_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    account: Mapped[str | None] = mapped_column(String(200))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    outcome: Mapped[str] = mapped_column(String(4))
    owner_id: Mapped[str | None] = mapped_column(String(32))
    owner_email: Mapped[str | None] = mapped_column(String(320))
    source: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DealClosure(Base):
    """One recorded outcome of a deal, and where its prompt and reminders stand."""

    __tablename__ = "deal_closures"
    __table_args__ = (
        Index("ix_deal_closures_team_id", "team_id", "id"),
        Index("ix_deal_closures_team_owner", "team_id", "owner_id"),
        Index("ix_deal_closures_prompted", "prompted_at"),
        Index("ix_deal_closures_team_created", "team_id", "created_at"),
        Index("ix_deal_closures_deal_ref", "deal_ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    deal_ref: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"))
    outcome: Mapped[str] = mapped_column(String(4))
    owner_id: Mapped[str | None] = mapped_column(String(32))
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # False when nobody is to be asked: win prompts switched off, or an old deal.
    wants_prompt: Mapped[bool] = mapped_column(Boolean)
    prompt_channel: Mapped[str | None] = mapped_column(String(32))
    prompt_ts: Mapped[str | None] = mapped_column(String(32))
    prompted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminded_again_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalated_to: Mapped[str | None] = mapped_column(String(32))
    # Set when a later closure of the same deal (a changed outcome) replaces this one.
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    deal: Mapped[Deal] = relationship(lazy="joined", innerjoin=True)
    answer: Mapped[DealAnswer | None] = relationship(lazy="joined", back_populates="closure")

    @property
    def is_open(self) -> bool:
        """Still waiting for the rep's reason."""
        return self.answer is None and self.superseded_at is None and self.wants_prompt


class DealAnswer(Base):
    """The rep's real reason for one closure, with the evidence behind it."""

    __tablename__ = "deal_answers"
    __table_args__ = (Index("ix_deal_answers_team_answered", "team_id", "answered_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    closure_id: Mapped[int] = mapped_column(
        ForeignKey("deal_closures.id", ondelete="CASCADE"), unique=True
    )
    reason: Mapped[str] = mapped_column(String(40))
    competitor: Mapped[str | None] = mapped_column(String(200))
    customer_said: Mapped[str] = mapped_column(Text)
    talked_to_customer: Mapped[bool] = mapped_column(Boolean)
    marketing_note: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str] = mapped_column(String(32))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())

    closure: Mapped[DealClosure] = relationship(back_populates="answer")


@dataclass(frozen=True)
class NewDeal:
    team_id: str
    deal_id: str
    name: str
    account: str | None
    amount: Decimal | None
    currency: str | None
    outcome: str
    owner_id: str | None
    owner_email: str | None
    closed_at: datetime
    source: str


@dataclass(frozen=True)
class Recorded:
    """What an intake did: `closure` is the new closure, None for a resend of a known outcome."""

    deal: Deal
    closure: DealClosure | None
    outcome_changed: bool = False
    # Closures of the old outcome whose prompt DM was still waiting for an answer.
    replaced: list[DealClosure] = field(default_factory=list)


@dataclass(frozen=True)
class NewAnswer:
    team_id: str
    closure_id: int
    reason: str
    competitor: str | None
    customer_said: str
    talked_to_customer: bool
    marketing_note: str | None
    answered_by: str
    answered_at: datetime


@dataclass(frozen=True)
class ReasonCount:
    outcome: str
    reason: str
    count: int


@dataclass(frozen=True)
class EvidenceShare:
    answered: int
    talked_to_customer: int


PROMPT_CLAIM = "deal-prompt"


def prompt_claim_key(closure_id: int, owner_id: str | None) -> str:
    """The claim on a closure's prompt DM; a reassigned deal asks its new owner."""
    return f"{PROMPT_CLAIM}:{closure_id}:{owner_id}"


def record_deal(db: Database, new: NewDeal, wants_prompt: bool, now: datetime) -> Recorded:
    """Store a closed deal idempotently on (team, deal_id).

    The unique constraint decides between two first sends of the same deal; a
    conditional update on the current outcome decides between two sends of a
    changed outcome, so each outcome is recorded (and prompted) exactly once.
    A closure that wants a prompt has its prompt claimed in the same transaction
    (`prompt_claim_key`): whoever stored it sends it without claiming again, and
    if that process dies first, the claim's lease hands the prompt to a tick.
    """
    wants_prompt = wants_prompt and new.owner_id is not None
    recorded = _record_if_new(db, new, wants_prompt, now)
    if recorded is not None:
        return recorded
    with db.session() as session:
        return _record_known(session, new, wants_prompt, now)


# Built once and run on the session's connection: intake runs for every webhook,
# and skipping the unit of work and per-call statement building halves its cost.
_FIND_DEAL = select(*(c for c in Deal.__table__.columns)).where(
    Deal.team_id == bindparam("team_id"), Deal.deal_id == bindparam("deal_id")
)
_CHANGE_OUTCOME = (
    update(Deal)
    .where(Deal.id == bindparam("ref"), Deal.outcome != bindparam("new_outcome"))
    .values({name: bindparam(name) for name in DEAL_VALUES})
)
_SUPERSEDE = (
    update(DealClosure)
    .where(DealClosure.deal_ref == bindparam("ref"), DealClosure.superseded_at.is_(None))
    .values(superseded_at=bindparam("now", type_=UTCDateTime()))
)


def _insert_new_deal() -> TextClause:
    """SQLite: INSERT … ON CONFLICT DO NOTHING RETURNING id.

    A new deal is stored in one round trip; a known one (or one another request is
    inserting right now: the insert waits for it) returns no row and is looked up.
    Written as text with typed parameters because the dialect's on-conflict
    construct cannot be cached and would be compiled again for every webhook.
    (PostgreSQL inserts deals in batches: `_new_closures_sql`.)
    """
    names = ", ".join(c.name for c in _DEAL_COLUMNS)
    values = ", ".join(f":{c.name}" for c in _DEAL_COLUMNS)
    sql = (
        f"INSERT INTO deals ({names}) VALUES ({values}) "
        "ON CONFLICT (team_id, deal_id) DO NOTHING RETURNING id"
    )
    return text(sql).bindparams(*(bindparam(c.name, type_=c.type) for c in _DEAL_COLUMNS))


_DEAL_COLUMNS = [c for c in Deal.__table__.columns if c.name != "id"]


_INSERT_NEW_DEAL = _insert_new_deal()
_INSERT_CLOSURE = insert(DealClosure).returning(DealClosure.id)


_CLOSURE_COLUMNS = (
    "team_id",
    "deal_ref",
    "outcome",
    "owner_id",
    "closed_at",
    "created_at",
    "wants_prompt",
)


def _new_closures_sql() -> group_commit.BatchStatement:
    """PostgreSQL: deals, their closures and prompt claims for a whole batch, one statement.

    Returns (n, deal id, closure id) for each deal stored, and (n, deal id, NULL, the
    stored deal's columns) for each deal stored before, so that a plain resend costs
    no more round trips. The stored deals are read from the statement's snapshot: a
    deal another transaction committed meanwhile returns no row, and is looked up
    afterwards. Each is looked up by its key in a LATERAL subquery that cannot be
    turned into a join: a prepared plan made while the table was small would
    otherwise read the whole table for every batch. The claim's key is
    `prompt_claim_key` spelled in SQL (the deal tests check the two agree). Rows are
    inserted in the batch's order, so that two processes take the unique index's
    locks in the same order.
    """
    deal_columns = ", ".join(c.name for c in _DEAL_COLUMNS)
    closure_values = ", ".join(
        "d.id" if c == "deal_ref" else f"input.{c}" for c in _CLOSURE_COLUMNS
    )
    sql = f"""
        WITH input AS ({{input}}),
        new_deal AS (
            INSERT INTO deals ({deal_columns})
            SELECT {deal_columns} FROM input ORDER BY n
            ON CONFLICT (team_id, deal_id) DO NOTHING RETURNING id, team_id, deal_id
        ),
        new_closure AS (
            INSERT INTO deal_closures ({", ".join(_CLOSURE_COLUMNS)})
            SELECT {closure_values}
            FROM new_deal d JOIN input USING (team_id, deal_id) ORDER BY n
            RETURNING id, deal_ref, team_id, owner_id, created_at, wants_prompt
        ),
        prompt_claim AS (
            INSERT INTO claims (key, team_id, claimed_at, attempts)
            SELECT '{PROMPT_CLAIM}:' || id || ':' || owner_id, team_id, created_at, 1
            FROM new_closure WHERE wants_prompt
        )
        SELECT input.n, known.id, NULL, {", ".join(f"known.{c}" for c in _KNOWN_COLUMNS)}
        FROM input CROSS JOIN LATERAL (
            SELECT * FROM deals
            WHERE deals.team_id = input.team_id AND deals.deal_id = input.deal_id LIMIT 1
        ) known
        UNION ALL
        SELECT input.n, c.deal_ref, c.id, {", ".join("NULL" for _ in _KNOWN_COLUMNS)}
        FROM new_closure c JOIN new_deal d ON d.id = c.deal_ref
        JOIN input ON input.team_id = d.team_id AND input.deal_id = d.deal_id"""
    closure = DealClosure.__table__.columns
    columns = {c.name: c.type for c in [*_DEAL_COLUMNS, closure.closed_at, closure.wants_prompt]}
    return group_commit.BatchStatement(sql, columns, returns_rows=True)


# What a resend is answered with, read in the intake's statement (all but the key).
_KNOWN_COLUMNS = [c.name for c in _DEAL_COLUMNS if c.name not in ("team_id", "deal_id")]
_NEW_CLOSURES = _new_closures_sql()


def _deal_values(new: NewDeal) -> dict[str, object]:
    return {name: getattr(new, name) for name in DEAL_VALUES}


def _record_if_new(
    db: Database, new: NewDeal, wants_prompt: bool, now: datetime
) -> Recorded | None:
    """A deal seen for the first time, stored with its closure; None when the deal is known.

    On PostgreSQL one statement does it all, and the intakes of a burst share a
    transaction (`storage.group_commit`); it also answers a resend of the outcome
    already stored, which changes nothing. SQLite cannot write in a WITH, so there
    the same rows are inserted one by one in a transaction.
    """
    created = {"team_id": new.team_id, "deal_id": new.deal_id, "source": new.source}
    created |= {"created_at": now, **_deal_values(new)}
    if db.is_sqlite:
        with db.session() as session:
            return _insert_one_by_one(session.connection(), created, new, wants_prompt, now)
    params = {**created, "closed_at": new.closed_at, "wants_prompt": wants_prompt}
    row = group_commit.grouped(db, _NEW_CLOSURES, order=_by_deal).run(params)
    if row is None:
        return None
    deal_ref, closure_id, *known = row
    if closure_id is None:
        return _resent(deal_ref, known, new)
    deal = as_stored(Deal, id=deal_ref, **created)
    return Recorded(deal, _closure(closure_id, deal, new, wants_prompt, now))


def _resent(deal_ref: int, known: list[Any], new: NewDeal) -> Recorded | None:
    """A known deal sent again with the outcome it has: answered as stored. A changed
    outcome returns None, for `_record_known` to decide under its conditional update."""
    stored = dict(zip(_KNOWN_COLUMNS, known, strict=True))
    if stored["outcome"] != new.outcome:
        return None
    stored["created_at"] = stored["created_at"].astimezone(UTC)
    deal = as_stored(Deal, id=deal_ref, team_id=new.team_id, deal_id=new.deal_id, **stored)
    return Recorded(deal, None)


def _by_deal(params: Mapping[str, Any]) -> tuple[str, str]:
    return params["team_id"], params["deal_id"]


def _insert_one_by_one(
    connection: Connection,
    created: dict[str, object],
    new: NewDeal,
    wants_prompt: bool,
    now: datetime,
) -> Recorded | None:
    inserted = connection.execute(_INSERT_NEW_DEAL, created).scalar()
    if inserted is None:
        return None
    deal = as_stored(Deal, id=inserted, **created)
    return Recorded(deal, _add_closure(connection, deal, new, wants_prompt, now))


def _record_known(session: Session, new: NewDeal, wants_prompt: bool, now: datetime) -> Recorded:
    """A resend (nothing to do) or a changed outcome (a new closure replaces the open ones)."""
    connection = session.connection()
    key = {"team_id": new.team_id, "deal_id": new.deal_id}
    deal = as_stored(Deal, **connection.execute(_FIND_DEAL, key).one()._mapping)
    changed = {"ref": deal.id, "new_outcome": new.outcome, **_deal_values(new)}
    if connection.execute(_CHANGE_OUTCOME, changed).rowcount != 1:
        # The outcome was already this one: the conditional update decided, not the read.
        deal.outcome = new.outcome
        return Recorded(deal, None)
    replaced = session.scalars(
        select(DealClosure).where(
            DealClosure.deal_ref == deal.id,
            DealClosure.superseded_at.is_(None),
            DealClosure.prompt_ts.is_not(None),
            _unanswered(),
        )
    ).all()
    connection.execute(_SUPERSEDE, {"ref": deal.id, "now": now})
    for name, value in _deal_values(new).items():
        setattr(deal, name, value)
    closure = _add_closure(connection, deal, new, wants_prompt, now)
    return Recorded(deal, closure, outcome_changed=True, replaced=list(replaced))


def _add_closure(
    connection: Connection, deal: Deal, new: NewDeal, wants_prompt: bool, now: datetime
) -> DealClosure:
    """Insert the closure and claim its prompt."""
    closure = _closure(None, deal, new, wants_prompt, now)
    values = {c: getattr(closure, c) for c in _CLOSURE_COLUMNS}
    closure.id = connection.execute(_INSERT_CLOSURE, values).scalar_one()
    if wants_prompt:
        claims.claim_in(connection, new.team_id, prompt_claim_key(closure.id, new.owner_id), now)
    return closure


def _closure(
    closure_id: int | None, deal: Deal, new: NewDeal, wants_prompt: bool, now: datetime
) -> DealClosure:
    """The closure as stored: detached, complete, and not yet prompted."""
    return as_stored(
        DealClosure,
        id=closure_id,
        deal=deal,
        answer=None,
        team_id=new.team_id,
        deal_ref=deal.id,
        outcome=new.outcome,
        owner_id=new.owner_id,
        closed_at=new.closed_at,
        created_at=now,
        wants_prompt=wants_prompt,
    )


def as_stored(model: type[M], **values: object) -> M:
    """An instance of `model` holding a row just written, built the way a query loads one.

    The values go straight into the instance's state. A constructor would fire an
    attribute event per value and keep each back-reference in step (a closure's `deal`
    and `answer`): 76 µs for a deal and its closure against 4 µs this way, paid by
    every webhook. Such instances are read as data and never added to a session. The
    mappers must be configured first, as a constructor would see to (a no-op after).
    """
    configure_mappers()
    instance = model.__mapper__.class_manager.new_instance()
    instance.__dict__.update(values)
    return instance


def get_closure(db: Database, team_id: str, closure_id: int) -> DealClosure | None:
    with db.session() as session:
        return session.scalar(
            select(DealClosure).where(DealClosure.team_id == team_id, DealClosure.id == closure_id)
        )


def closure_by_id(db: Database, closure_id: int) -> DealClosure | None:
    """For scheduled work, which is keyed by closure id alone."""
    with db.session() as session:
        return session.get(DealClosure, closure_id)


def _unanswered():
    return ~exists().where(DealAnswer.closure_id == DealClosure.id)


def _open():
    return (
        DealClosure.wants_prompt.is_(True),
        DealClosure.superseded_at.is_(None),
        _unanswered(),
    )


def unprompted(db: Database, limit: int = 500) -> list[DealClosure]:
    """Closures whose prompt has not gone out yet (a failed or interrupted send)."""
    with db.session() as session:
        return list(
            session.scalars(
                select(DealClosure)
                .where(*_open(), DealClosure.prompted_at.is_(None))
                .order_by(DealClosure.id)
                .limit(limit)
            )
        )


def due_first_reminders(
    db: Database, prompted_after: datetime, prompted_before: datetime
) -> list[DealClosure]:
    return _due(
        db,
        prompted_after,
        DealClosure.prompted_at <= prompted_before,
        DealClosure.reminded_at.is_(None),
    )


def due_second_reminders(
    db: Database, prompted_after: datetime, prompted_before: datetime, reminded_before: datetime
) -> list[DealClosure]:
    """A late first reminder (the bot was down) still leaves a day before the second."""
    return _due(
        db,
        prompted_after,
        DealClosure.prompted_at <= prompted_before,
        DealClosure.reminded_at <= reminded_before,
        DealClosure.reminded_again_at.is_(None),
    )


def due_escalations(
    db: Database, prompted_after: datetime, reminded_again_before: datetime
) -> list[DealClosure]:
    return _due(
        db,
        prompted_after,
        DealClosure.reminded_again_at <= reminded_again_before,
        DealClosure.escalated_at.is_(None),
    )


def _due(db: Database, prompted_after: datetime, *conditions) -> list[DealClosure]:
    """Open closures prompted since `prompted_after`: the window keeps each tick's scan
    to recent prompts (the prompted_at index), however long the history grows."""
    with db.session() as session:
        return list(
            session.scalars(
                select(DealClosure)
                .where(DealClosure.prompted_at >= prompted_after, *_open(), *conditions)
                .order_by(DealClosure.id)
            )
        )


_MARK_PROMPTED = (
    update(DealClosure)
    .where(DealClosure.id == bindparam("closure_id"))
    .values(
        prompt_channel=bindparam("channel"),
        prompt_ts=bindparam("ts"),
        prompted_at=bindparam("now", type_=UTCDateTime()),
    )
)


def _prompted_sql() -> group_commit.BatchStatement:
    """PostgreSQL: where each prompt of a batch went, and its claim done, in one statement.

    An UPDATE's own table cannot be read through a LATERAL lookup, so the statement
    is planned for each batch (not prepared: a plan made while the tables were small
    reads them whole, for as long as its connection lives), and the `= ANY(ARRAY(…))`
    conditions repeat the joins as key conditions: joined only to the batch, which
    PostgreSQL guesses at 100 rows, a scan of the table would look cheaper.
    """
    sql = """
        WITH input AS ({input}),
        prompted AS (
            UPDATE deal_closures SET
                prompt_channel = input.channel, prompt_ts = input.ts, prompted_at = input.now
            FROM input WHERE deal_closures.id = input.closure_id
            AND deal_closures.id = ANY(ARRAY(SELECT closure_id FROM input))
        )
        UPDATE claims SET done_at = input.now, result = input.ts
        FROM input WHERE claims.key = input.claim_key
        AND claims.key = ANY(ARRAY(SELECT claim_key FROM input))"""
    closure, claim = DealClosure.__table__.columns, claims.Claim.__table__.columns
    columns = {
        "closure_id": closure.id.type,
        "channel": closure.prompt_channel.type,
        "ts": closure.prompt_ts.type,
        "now": closure.prompted_at.type,
        "claim_key": claim.key.type,
    }
    return group_commit.BatchStatement(sql, columns, returns_rows=False, prepared=False)


_PROMPTED = _prompted_sql()


def mark_prompted(
    db: Database, closure_id: int, sent: tuple[str, str] | None, now: datetime, claim_key: str
) -> None:
    """Record where the prompt DM went (`sent` = channel, ts; None when nobody could be
    asked) and complete its claim, at once: it runs once per deal, so on PostgreSQL it
    joins the other prompts' marks in one transaction (`storage.group_commit`)."""
    if sent is None:
        claims.complete(db, claim_key, now)
        return
    channel, ts = sent
    params = {"closure_id": closure_id, "channel": channel, "ts": ts, "now": now}
    if db.is_sqlite:
        with db.session() as session:
            session.connection().execute(_MARK_PROMPTED, params)
            claims.complete_in(session.connection(), claim_key, now, ts)
        return
    group = group_commit.grouped(db, _PROMPTED, order=_by_closure)
    group.run({**params, "claim_key": claim_key})


def _by_closure(params: Mapping[str, Any]) -> int:
    return params["closure_id"]


def mark_reminded(db: Database, closure_id: int, step: int, now: datetime) -> None:
    column = "reminded_at" if step == 1 else "reminded_again_at"
    with db.session() as session:
        session.execute(
            update(DealClosure).where(DealClosure.id == closure_id).values({column: now})
        )


def mark_escalated(db: Database, closure_id: int, manager_id: str | None, now: datetime) -> None:
    with db.session() as session:
        session.execute(
            update(DealClosure)
            .where(DealClosure.id == closure_id)
            .values(escalated_at=now, escalated_to=manager_id)
        )


def add_answer(db: Database, new: NewAnswer) -> DealAnswer | None:
    """Store the answer; None when the closure was already answered (the unique key decides)."""
    answer = DealAnswer(**asdict(new))
    try:
        with db.session() as session:
            session.add(answer)
    except IntegrityError:
        return None
    return answer


def pending_for_owner(db: Database, team_id: str, owner_id: str, limit: int) -> list[DealClosure]:
    """The owner's prompts still waiting for a reason, oldest first."""
    return _pending(db, team_id, [DealClosure.owner_id == owner_id], limit)


def escalated_for_reps(
    db: Database, team_id: str, rep_ids: list[str], limit: int
) -> list[DealClosure]:
    """Escalated, still-unanswered prompts of these reps (a manager's view)."""
    if not rep_ids:
        return []
    conditions = [DealClosure.owner_id.in_(rep_ids), DealClosure.escalated_at.is_not(None)]
    return _pending(db, team_id, conditions, limit)


def _pending(db: Database, team_id: str, conditions: list, limit: int) -> list[DealClosure]:
    with db.session() as session:
        return list(
            session.scalars(
                select(DealClosure)
                .where(DealClosure.team_id == team_id, *_open(), *conditions)
                .order_by(DealClosure.id)
                .limit(limit)
            )
        )


def unassigned(db: Database, team_id: str, limit: int) -> list[Deal]:
    """Deals whose owner could not be resolved to a Slack user, newest first."""
    with db.session() as session:
        return list(
            session.scalars(
                select(Deal)
                .where(Deal.team_id == team_id, Deal.owner_id.is_(None))
                .order_by(Deal.id.desc())
                .limit(limit)
            )
        )


def get_deal(db: Database, team_id: str, deal_ref: int) -> Deal | None:
    with db.session() as session:
        return session.scalar(select(Deal).where(Deal.team_id == team_id, Deal.id == deal_ref))


def recent_deals_of(db: Database, team_id: str, owner_id: str, limit: int) -> list[Deal]:
    """The owner's latest deals, newest first: what a note in the field is likely about."""
    with db.session() as session:
        return list(
            session.scalars(
                select(Deal)
                .where(Deal.team_id == team_id, Deal.owner_id == owner_id)
                .order_by(Deal.created_at.desc(), Deal.id.desc())
                .limit(limit)
            )
        )


def assign_owner(
    db: Database, team_id: str, deal_ref: int, owner_id: str, wants_prompt: bool
) -> DealClosure | None:
    """Give an unassigned deal its owner; returns its current closure, now ready to prompt."""
    with db.session() as session:
        assigned = session.execute(
            update(Deal)
            .where(Deal.team_id == team_id, Deal.id == deal_ref, Deal.owner_id.is_(None))
            .values(owner_id=owner_id)
        )
        if assigned.rowcount != 1:
            return None
        closure = session.scalar(
            select(DealClosure).where(
                DealClosure.deal_ref == deal_ref, DealClosure.superseded_at.is_(None)
            )
        )
        if closure is not None:
            closure.owner_id = owner_id
            closure.wants_prompt = wants_prompt
        return closure


def unassign(db: Database, closure_id: int) -> None:
    """The owner cannot be reached: the deal joins the unassigned ones, for an admin to assign."""
    with db.session() as session:
        closure = session.get_one(DealClosure, closure_id)
        closure.owner_id = None
        closure.wants_prompt = False
        session.execute(update(Deal).where(Deal.id == closure.deal_ref).values(owner_id=None))


def closures_after(db: Database, team_id: str, after_id: int, limit: int) -> list[DealClosure]:
    """Closures recorded after `after_id`, oldest first, each with its deal and answer if any.

    Digests remember the last id they showed, so nothing is skipped or shown twice.
    """
    with db.session() as session:
        return list(
            session.scalars(
                select(DealClosure)
                .where(DealClosure.team_id == team_id, DealClosure.id > after_id)
                .order_by(DealClosure.id)
                .limit(limit)
            )
        )


def latest_closure_id(db: Database, team_id: str) -> int:
    """The newest closure's id (0 when there is none): where a new digest starts."""
    with db.session() as session:
        return session.scalar(
            select(func.coalesce(func.max(DealClosure.id), 0)).where(DealClosure.team_id == team_id)
        )


def answers_after(db: Database, team_id: str, after_id: int, limit: int) -> list[DealAnswer]:
    """Answers given after `after_id`, oldest first — reasons that arrived after the closure."""
    with db.session() as session:
        return list(
            session.scalars(
                select(DealAnswer)
                .where(DealAnswer.team_id == team_id, DealAnswer.id > after_id)
                .order_by(DealAnswer.id)
                .limit(limit)
                .options(joinedload(DealAnswer.closure))
            )
        )


def reason_counts(db: Database, team_id: str, since: datetime) -> list[ReasonCount]:
    """How often each reason was given for closures recorded since `since`, by outcome."""
    return count_reasons(db, DealClosure.team_id == team_id, DealClosure.created_at >= since)


def count_reasons(db: Database, *where: ColumnElement[bool]) -> list[ReasonCount]:
    """Reasons given per outcome for the answers matching `where` (a GROUP BY, most given first)."""
    count = func.count(DealAnswer.id)
    with db.session() as session:
        rows = session.execute(
            select(DealClosure.outcome, DealAnswer.reason, count)
            .join(DealAnswer, DealAnswer.closure_id == DealClosure.id)
            .where(*where)
            .group_by(DealClosure.outcome, DealAnswer.reason)
            .order_by(DealClosure.outcome.desc(), count.desc(), DealAnswer.reason)
        ).all()
    return [ReasonCount(outcome, reason, n) for outcome, reason, n in rows]


def top_competitors(
    db: Database, team_id: str, since: datetime, limit: int
) -> list[tuple[str, int]]:
    """Competitors named most often (case-insensitively) in answers for recent closures."""
    return count_competitors(
        db, limit, DealClosure.team_id == team_id, DealClosure.created_at >= since
    )


def count_competitors(
    db: Database, limit: int, *where: ColumnElement[bool]
) -> list[tuple[str, int]]:
    """The `limit` competitors named most often in the answers matching `where`."""
    name = func.lower(func.trim(DealAnswer.competitor))
    count = func.count(DealAnswer.id)
    with db.session() as session:
        rows = session.execute(
            select(func.min(func.trim(DealAnswer.competitor)), count)
            .join(DealClosure, DealAnswer.closure_id == DealClosure.id)
            .where(*where, DealAnswer.competitor.is_not(None))
            .group_by(name)
            .order_by(count.desc(), name)
            .limit(limit)
        ).all()
    return [(shown, n) for shown, n in rows]


def evidence_share(db: Database, team_id: str, since: datetime) -> EvidenceShare:
    """How many answers for recent closures came from a conversation with the customer."""
    with db.session() as session:
        answered, talked = session.execute(
            select(
                func.count(DealAnswer.id),
                func.coalesce(func.sum(case((DealAnswer.talked_to_customer, 1), else_=0)), 0),
            )
            .join(DealClosure, DealAnswer.closure_id == DealClosure.id)
            .where(DealClosure.team_id == team_id, DealClosure.created_at >= since)
        ).one()
    return EvidenceShare(answered=answered, talked_to_customer=int(talked))


def closures_since(db: Database, team_id: str, since: datetime) -> tuple[int, int]:
    """(recorded, still unanswered) closures since `since` that asked for a reason."""
    with db.session() as session:
        recorded, waiting = session.execute(
            select(
                func.count(DealClosure.id),
                func.coalesce(func.sum(case((_unanswered(), 1), else_=0)), 0),
            ).where(
                DealClosure.team_id == team_id,
                DealClosure.created_at >= since,
                DealClosure.wants_prompt.is_(True),
                DealClosure.superseded_at.is_(None),
            )
        ).one()
    return recorded, int(waiting)


def all_closures(db: Database, batch: int = 1000) -> Iterator[DealClosure]:
    """Every closure with its deal and answer, oldest first, in batches (for export)."""
    last_id = 0
    while True:
        with db.session() as session:
            closures = session.scalars(
                select(DealClosure)
                .where(DealClosure.id > last_id)
                .order_by(DealClosure.id)
                .limit(batch)
            ).all()
        if not closures:
            return
        yield from closures
        last_id = closures[-1].id
