"""Where each closure's win/loss prompt stands: sent, reminded, escalated, still owed.

The queries the prompt sender and the reminder tick run, and the marks they leave;
the closures and answers themselves are in `storage.deals`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select, update

from storage import claims
from storage.base import UTCDateTime
from storage.db import Database
from storage.deals import DealClosure, unanswered


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
