"""Closed deals as a digest reads them: two record ranges, closures and answers.

A closure is shown in the digest whose closure range holds it, with its answer
when that answer is inside the digest's answer range too. An answer that comes
in later is shown in the digest whose answer range holds it, as a reason for a
deal shown earlier. Both upper bounds are frozen together, so each closure and
each answer is shown exactly once:

- closure in range, answer ≤ the answer bound: shown together;
- closure in range, answer after the bound: the closure now, the answer in the
  next digest (its closure is then at or below that digest's closure start);
- answer in range whose closure is above the closure bound (recorded between
  the two bounds being read): not shown now; the closure's digest shows both.

Counts and aggregates run in SQL over the same ranges, so the header, the list
and the reason counts always describe the same deals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, func, or_, select

from storage import deal_stats
from storage.db import Database
from storage.deal_stats import ReasonCount
from storage.deals import Deal, DealAnswer, DealClosure


@dataclass(frozen=True)
class DealRange:
    team_id: str
    closures: tuple[int, int]  # closures with after < id <= upto belong to this digest
    answers: tuple[int, int]  # and so do answers in their range (see the module docstring)


@dataclass(frozen=True)
class ClosedDeal:
    """One closure as the digest shows it; the answer fields are None while it is unanswered."""

    closure_id: int
    outcome: str
    owner_id: str | None
    closed_at: datetime
    asked: bool  # False when no reason was asked (win prompts off, or no owner)
    superseded: bool  # the outcome changed after this closure
    name: str
    account: str | None
    amount: Decimal | None
    currency: str | None
    reason: str | None
    competitor: str | None
    customer_said: str | None
    talked_to_customer: bool | None
    marketing_note: str | None


_COLUMNS = (
    DealClosure.id,
    DealClosure.outcome,
    DealClosure.owner_id,
    DealClosure.closed_at,
    DealClosure.wants_prompt,
    DealClosure.superseded_at.is_not(None),
    Deal.name,
    Deal.account,
    Deal.amount,
    Deal.currency,
    DealAnswer.reason,
    DealAnswer.competitor,
    DealAnswer.customer_said,
    DealAnswer.talked_to_customer,
    DealAnswer.marketing_note,
)


def latest_answer_id(db: Database, team_id: str) -> int:
    """The newest answer's id (0 when there is none): where a new subscription starts reading."""
    with db.session() as session:
        return session.scalar(
            select(func.coalesce(func.max(DealAnswer.id), 0)).where(DealAnswer.team_id == team_id)
        )


def _closures_in(span: DealRange) -> list[ColumnElement[bool]]:
    after, upto = span.closures
    return [DealClosure.team_id == span.team_id, DealClosure.id > after, DealClosure.id <= upto]


def _late_answers_in(span: DealRange) -> list[ColumnElement[bool]]:
    """Answers in the range whose closure an earlier digest already showed."""
    after, upto = span.answers
    return [
        DealAnswer.team_id == span.team_id,
        DealAnswer.id > after,
        DealAnswer.id <= upto,
        DealAnswer.closure_id <= span.closures[0],
    ]


def _answer_shown(span: DealRange) -> ColumnElement[bool]:
    """An answer this digest shows: with its closure, or late for an earlier one."""
    closure_after, closure_upto = span.closures
    return and_(
        DealAnswer.team_id == span.team_id,
        DealAnswer.id <= span.answers[1],
        or_(
            and_(DealClosure.id > closure_after, DealClosure.id <= closure_upto),
            and_(DealAnswer.id > span.answers[0], DealClosure.id <= closure_after),
        ),
    )


def outcome_counts(db: Database, span: DealRange) -> dict[str, int]:
    """How many closures of each outcome the range holds."""
    with db.session() as session:
        rows = session.execute(
            select(DealClosure.outcome, func.count(DealClosure.id))
            .where(*_closures_in(span))
            .group_by(DealClosure.outcome)
        ).all()
    return {outcome: count for outcome, count in rows}


def late_answer_count(db: Database, span: DealRange) -> int:
    with db.session() as session:
        return session.scalar(select(func.count(DealAnswer.id)).where(*_late_answers_in(span)))


def closed_deals(db: Database, span: DealRange, outcome: str, limit: int) -> list[ClosedDeal]:
    """Up to `limit` closures of `outcome` in the range, oldest first, answered ones with
    their answer as of the frozen answer bound."""
    answered = and_(DealAnswer.closure_id == DealClosure.id, DealAnswer.id <= span.answers[1])
    query = (
        select(*_COLUMNS)
        .join(Deal, Deal.id == DealClosure.deal_ref)
        .outerjoin(DealAnswer, answered)
        .where(*_closures_in(span), DealClosure.outcome == outcome)
        .order_by(DealClosure.id)
        .limit(limit)
    )
    with db.session() as session:
        return [ClosedDeal(*row) for row in session.execute(query)]


def late_answers(db: Database, span: DealRange, limit: int) -> list[ClosedDeal]:
    """Up to `limit` reasons that came in for deals shown in an earlier digest, oldest first."""
    query = (
        select(*_COLUMNS)
        .select_from(DealAnswer)
        .join(DealClosure, DealClosure.id == DealAnswer.closure_id)
        .join(Deal, Deal.id == DealClosure.deal_ref)
        .where(*_late_answers_in(span))
        .order_by(DealAnswer.id)
        .limit(limit)
    )
    with db.session() as session:
        return [ClosedDeal(*row) for row in session.execute(query)]


def reason_counts(db: Database, span: DealRange) -> list[ReasonCount]:
    """Reasons per outcome over exactly the answers this digest shows."""
    return deal_stats.count_reasons(db, _answer_shown(span))


def top_competitors(db: Database, span: DealRange, limit: int) -> list[tuple[str, int]]:
    return deal_stats.count_competitors(db, limit, _answer_shown(span))
