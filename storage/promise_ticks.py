"""The scheduler's promise work: reminders whose time has come, and due days that ended."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, or_, select, update
from sqlalchemy.orm import Session

from storage import claims
from storage.db import Database
from storage.promises import BROKEN, OPEN, Promise, PromiseEvent


def reminders_due(
    db: Database, now: datetime, limit: int, after: Promise | None = None
) -> list[Promise]:
    """Open promises whose reminder time has come, in (remind_at, id) order.

    `after` is the last row of the previous page: paging by key, not by offset,
    reads every due row once even while the tick takes rows off the queue, and
    rows it leaves queued (a send that failed, a claim another process holds)
    never hide the ones behind them.
    """
    query = select(Promise).where(Promise.status == OPEN, Promise.remind_at <= now)
    if after is not None:
        query = query.where(
            or_(
                Promise.remind_at > after.remind_at,
                (Promise.remind_at == after.remind_at) & (Promise.id > after.id),
            )
        )
    with db.session() as session:
        return list(session.scalars(query.order_by(Promise.remind_at, Promise.id).limit(limit)))


def reschedule_reminder(db: Database, promise: Promise, remind_at: datetime | None) -> None:
    """Move the reminder to `remind_at` (None: off the queue), only if its time is still the one
    read: a snooze or a new due date that came meanwhile wins."""
    with db.session() as session:
        _reschedule(session, promise, remind_at)


def reminder_sent(db: Database, promise: Promise, claim_key: str, now: datetime, ref: str) -> None:
    """The reminder went out: off the queue and its claim done, in one transaction."""
    with db.session() as session:
        _reschedule(session, promise, None)
        claims.complete_in(session.connection(), claim_key, now, ref)


def _reschedule(session: Session, promise: Promise, remind_at: datetime | None) -> None:
    session.execute(
        update(Promise)
        .where(Promise.id == promise.id, Promise.remind_at == promise.remind_at)
        .values(remind_at=remind_at)
    )


def break_overdue(db: Database, now: datetime) -> list[int]:
    """Open promises whose due day has ended become broken, each with one `broken` event.

    The conditional UPDATE … RETURNING hands each row to exactly one of several
    concurrent ticks, so the event is never written twice.
    """
    with db.session() as session:
        rows = session.execute(
            update(Promise)
            .where(Promise.status == OPEN, Promise.due_end_at <= now)
            .values(
                status=BROKEN, broken_at=Promise.due_end_at, remind_at=None, manager_seen_at=None
            )
            .returning(Promise.id, Promise.team_id)
        ).all()
        if rows:
            session.execute(
                insert(PromiseEvent),
                [
                    {
                        "team_id": team_id,
                        "promise_id": promise_id,
                        "kind": BROKEN,
                        "detail": "passed its due date without being kept",
                        "created_at": now,
                    }
                    for promise_id, team_id in rows
                ],
            )
    return [promise_id for promise_id, _ in rows]
