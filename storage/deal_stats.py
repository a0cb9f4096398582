"""What closed deals add up to: reasons, competitors, evidence, how many were answered.

Read by `/perspective deal stats` and the digests' deal section.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, case, func, select

from storage.db import Database
from storage.deals import DealAnswer, DealClosure, unanswered


@dataclass(frozen=True)
class ReasonCount:
    outcome: str
    reason: str
    count: int


@dataclass(frozen=True)
class EvidenceShare:
    answered: int
    talked_to_customer: int


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
