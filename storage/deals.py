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
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
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


def add_answer(db: Database, new: NewAnswer) -> DealAnswer | None:
    """Store the answer; None when the closure was already answered (the unique key decides)."""
    answer = DealAnswer(**asdict(new))
    try:
        with db.session() as session:
            session.add(answer)
    except IntegrityError:
        return None
    return answer


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
