"""Closed deals, each closure's win/loss prompt, and the rep's answer.

A *deal* is what the CRM knows (one row per `(team_id, deal_id)`); a *closure*
is one recorded outcome of it — a deal that flips from won to lost gets a second
closure and a second prompt, a resent webhook gets neither. The *answer* is the
rep's real reason, at most one per closure. Closures and answers carry
autoincrement ids and timestamps so digests can track what they already showed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    ColumnElement,
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
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import (
    Mapped,
    joinedload,
    mapped_column,
    relationship,
)

from storage import claims
from storage.base import Base, UTCDateTime
from storage.db import Database

WON, LOST = "won", "lost"
# What a resend may change about a deal (with its outcome); the rest is fixed at first sight.
DEAL_VALUES = ("name", "account", "amount", "currency", "outcome", "owner_id", "owner_email")


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


def get_closure(db: Database, team_id: str, closure_id: int) -> DealClosure | None:
    with db.session() as session:
        return session.scalar(
            select(DealClosure).where(DealClosure.team_id == team_id, DealClosure.id == closure_id)
        )


def closure_by_id(db: Database, closure_id: int) -> DealClosure | None:
    """For scheduled work, which is keyed by closure id alone."""
    with db.session() as session:
        return session.get(DealClosure, closure_id)


def unanswered():
    return ~exists().where(DealAnswer.closure_id == DealClosure.id)


def _open():
    return (
        DealClosure.wants_prompt.is_(True),
        DealClosure.superseded_at.is_(None),
        unanswered(),
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


def mark_prompted(
    db: Database, closure_id: int, sent: tuple[str, str] | None, now: datetime, claim_key: str
) -> None:
    """Record where the prompt DM went (`sent` = channel, ts; None when nobody could be
    asked) and complete its claim, in one transaction."""
    if sent is None:
        claims.complete(db, claim_key, now)
        return
    channel, ts = sent
    params = {"closure_id": closure_id, "channel": channel, "ts": ts, "now": now}
    with db.session() as session:
        session.connection().execute(_MARK_PROMPTED, params)
        claims.complete_in(session.connection(), claim_key, now, ts)


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
                func.coalesce(func.sum(case((unanswered(), 1), else_=0)), 0),
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
