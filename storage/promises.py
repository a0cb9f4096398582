"""Promises: commitments a rep made to a customer, their due-date history and their events.

Every change of state goes through a conditional UPDATE (`WHERE status = …`) so
that two clicks, two processes or a click racing a tick can never move one
promise into two states, and each change writes a `promise_events` row in the
same transaction — digests read those rows by id, so nothing is shown twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from storage.base import Base, UTCDateTime
from storage.db import Database, each_row

OPEN, KEPT, BROKEN = "open", "kept", "broken"
AT_RISK, RISK_CLEARED, MOVED = "at_risk", "risk_cleared", "moved"

# What a manager's nudge and Home tab list: broken or at-risk promises not yet marked "Got it".
# Literal SQL shared verbatim by `needing_attention` and the partial index over these rows
# (migration 0008 repeats it): SQLite uses a partial index only when the query's WHERE holds
# the index's WHERE terms literally, and a bound parameter never matches a literal.
NEEDS_ATTENTION = (
    f"manager_seen_at IS NULL AND (status = '{BROKEN}' OR (status = '{OPEN}' AND at_risk))"
)


class Promise(Base):
    __tablename__ = "promises"
    __table_args__ = (
        Index("ix_promises_team_owner_status_due", "team_id", "owner_id", "status", "due_on"),
        Index("ix_promises_status_remind_at", "status", "remind_at"),
        Index("ix_promises_status_due_end_at", "status", "due_end_at"),
        Index("ix_promises_team_rollout_status", "team_id", "rollout_key", "status"),
        Index(
            "ix_promises_team_owner_attention",
            "team_id",
            "owner_id",
            sqlite_where=text(NEEDS_ATTENTION),
            postgresql_where=text(NEEDS_ATTENTION),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    owner_id: Mapped[str] = mapped_column(String(32))
    account: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date] = mapped_column(Date)
    # The end of the due day in the owner's zone: past it, an open promise is broken.
    due_end_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # When the day-before reminder goes out; None once sent, snoozed or not wanted.
    remind_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rollout_key: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=OPEN)
    at_risk: Mapped[bool] = mapped_column(Boolean, default=False)
    owner_handling_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    manager_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    snoozed: Mapped[bool] = mapped_column(Boolean, default=False)
    channel_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    kept_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    broken_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # None for a promise broken because its due date passed; the rep's words otherwise.
    broken_reason: Mapped[str | None] = mapped_column(Text)

    @property
    def broken_by_deadline(self) -> bool:
        return self.status == BROKEN and self.broken_reason is None


class DueDateChange(Base):
    """One move of a promise's due date: the history reps and managers look back on."""

    __tablename__ = "promise_due_date_changes"
    __table_args__ = (Index("ix_promise_due_date_changes_promise", "promise_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    promise_id: Mapped[int] = mapped_column(ForeignKey("promises.id", ondelete="CASCADE"))
    old_due_on: Mapped[date] = mapped_column(Date)
    new_due_on: Mapped[date] = mapped_column(Date)
    changed_by: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PromiseEvent(Base):
    """What happened to a promise, in order; digests page through these by id."""

    __tablename__ = "promise_events"
    __table_args__ = (
        Index("ix_promise_events_team_id", "team_id", "id"),
        Index("ix_promise_events_rollout_move", "rollout_move_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32))
    promise_id: Mapped[int] = mapped_column(ForeignKey("promises.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Set for at_risk / risk_cleared events caused by a rollout move.
    rollout_move_id: Mapped[int | None] = mapped_column()
    # Loaded only by the reads that need it (`storage.digest_promises`); never lazily.
    promise: Mapped[Promise] = relationship(lazy="raise")


@dataclass(frozen=True)
class NewPromise:
    team_id: str
    owner_id: str
    account: str | None
    text: str
    due_on: date
    due_end_at: datetime
    remind_at: datetime | None
    rollout_key: str | None
    at_risk: bool
    channel_id: str | None
    created_at: datetime


@dataclass(frozen=True)
class Schedule:
    """A new due date with the instants derived from it in the owner's zone."""

    due_on: date
    due_end_at: datetime
    remind_at: datetime | None


def add_promise(db: Database, new: NewPromise) -> Promise:
    promise = Promise(
        team_id=new.team_id,
        owner_id=new.owner_id,
        account=new.account,
        text=new.text,
        due_on=new.due_on,
        due_end_at=new.due_end_at,
        remind_at=new.remind_at,
        rollout_key=new.rollout_key,
        status=OPEN,
        at_risk=new.at_risk,
        snoozed=False,
        channel_id=new.channel_id,
        created_at=new.created_at,
    )
    with db.session() as session:
        session.add(promise)
        session.flush()
        if new.at_risk:
            _record(
                session,
                promise,
                AT_RISK,
                "the rollout it needs ships after it is due",
                new.created_at,
            )
    return promise


def get_promise(db: Database, team_id: str, promise_id: int) -> Promise | None:
    with db.session() as session:
        return session.scalar(
            select(Promise).where(Promise.team_id == team_id, Promise.id == promise_id)
        )


def open_promises_of(db: Database, team_id: str, owner_id: str, limit: int) -> list[Promise]:
    """Open promises, soonest due first."""
    with db.session() as session:
        return list(
            session.scalars(
                select(Promise)
                .where(
                    Promise.team_id == team_id, Promise.owner_id == owner_id, Promise.status == OPEN
                )
                .order_by(Promise.due_on, Promise.id)
                .limit(limit)
            )
        )


def promises_of(db: Database, team_id: str, owner_id: str, limit: int) -> list[Promise]:
    """Open first (soonest due first), then kept and broken ones (latest first)."""
    open_ = open_promises_of(db, team_id, owner_id, limit)
    settled = func.coalesce(Promise.kept_at, Promise.broken_at, Promise.created_at)
    with db.session() as session:
        closed = session.scalars(
            select(Promise)
            .where(Promise.team_id == team_id, Promise.owner_id == owner_id, Promise.status != OPEN)
            .order_by(settled.desc(), Promise.id.desc())
            .limit(max(limit - len(open_), 0))
        ).all()
    return [*open_, *closed]


def due_date_history(db: Database, promise_id: int) -> list[DueDateChange]:
    with db.session() as session:
        return list(
            session.scalars(
                select(DueDateChange)
                .where(DueDateChange.promise_id == promise_id)
                .order_by(DueDateChange.id)
            )
        )


def mark_kept(db: Database, promise: Promise, now: datetime) -> bool:
    """Kept from open, or from broken-by-deadline (delivered late); False if it changed meanwhile."""
    allowed = or_(
        Promise.status == OPEN, (Promise.status == BROKEN) & Promise.broken_reason.is_(None)
    )
    with db.session() as session:
        changed = _transition(session, promise, allowed, status=KEPT, kept_at=now, remind_at=None)
        if changed:
            _record(session, promise, KEPT, "", now)
        return changed


def mark_broken(db: Database, promise: Promise, reason: str, now: datetime) -> bool:
    """The rep says it is broken: from open, or adding the reason to a deadline break."""
    allowed = or_(
        Promise.status == OPEN, (Promise.status == BROKEN) & Promise.broken_reason.is_(None)
    )
    with db.session() as session:
        was_open = promise.status == OPEN
        changed = _transition(
            session,
            promise,
            allowed,
            status=BROKEN,
            broken_at=now if was_open else promise.broken_at,
            broken_reason=reason,
            remind_at=None,
            manager_seen_at=None,
        )
        if changed and was_open:
            _record(session, promise, BROKEN, reason, now)
        return changed


def move_due_date(
    db: Database,
    promise: Promise,
    schedule: Schedule,
    at_risk: bool,
    moved_by: str,
    now: datetime,
) -> bool:
    """A new due date (the promise is open again), with the old one kept in the history."""
    allowed = Promise.status.in_((OPEN, BROKEN))
    with db.session() as session:
        changed = _transition(
            session,
            promise,
            allowed,
            status=OPEN,
            due_on=schedule.due_on,
            due_end_at=schedule.due_end_at,
            remind_at=schedule.remind_at,  # a new date is a new commitment: remind again
            snoozed=False,
            broken_at=None,
            broken_reason=None,
            at_risk=at_risk,
            manager_seen_at=None,
        )
        if not changed:
            return False
        session.add(
            DueDateChange(
                team_id=promise.team_id,
                promise_id=promise.id,
                old_due_on=promise.due_on,
                new_due_on=schedule.due_on,
                changed_by=moved_by,
                changed_at=now,
            )
        )
        _record(session, promise, MOVED, f"{promise.due_on} → {schedule.due_on}", now)
        if promise.at_risk and not at_risk:
            _record(session, promise, RISK_CLEARED, "moved past the rollout date", now)
        if at_risk and not promise.at_risk:
            _record(session, promise, AT_RISK, "moved before the rollout it needs ships", now)
        return True


def snooze(db: Database, promise: Promise, remind_at: datetime | None) -> bool:
    """No reminder (None), or one at `remind_at` instead of the usual day-before one."""
    with db.session() as session:
        return _transition(
            session, promise, Promise.status == OPEN, snoozed=remind_at is None, remind_at=remind_at
        )


def mark_handling(db: Database, promise: Promise, now: datetime) -> bool:
    """The owner says they will handle the risk themselves (shown to the manager)."""
    with db.session() as session:
        return _transition(session, promise, Promise.status == OPEN, owner_handling_at=now)


def mark_seen_by_manager(db: Database, team_id: str, promise_id: int, now: datetime) -> bool:
    """The manager has seen a broken or at-risk promise: it leaves the daily nudge."""
    with db.session() as session:
        result = session.execute(
            update(Promise)
            .where(Promise.team_id == team_id, Promise.id == promise_id)
            .values(manager_seen_at=now)
        )
        return result.rowcount == 1


def _transition(session: Session, promise: Promise, allowed: object, **values: object) -> bool:
    """Apply `values` only if the row is still in the state the caller read (`allowed`)."""
    result = session.execute(
        update(Promise)
        .where(Promise.id == promise.id, Promise.team_id == promise.team_id, allowed)
        .values(**values)
    )
    return result.rowcount == 1


def promise_event(
    promise: Promise, kind: str, detail: str, now: datetime, rollout_move_id: int | None = None
) -> PromiseEvent:
    """One state change of a promise, as digests and history read it."""
    return PromiseEvent(
        team_id=promise.team_id,
        promise_id=promise.id,
        kind=kind,
        detail=detail,
        created_at=now,
        rollout_move_id=rollout_move_id,
    )


def _record(session: Session, promise: Promise, kind: str, detail: str, now: datetime) -> None:
    session.add(promise_event(promise, kind, detail, now))


def needing_attention(db: Database, team_id: str, owner_ids: list[str]) -> list[Promise]:
    """The reps' broken and at-risk promises their manager has not yet marked as seen."""
    if not owner_ids:
        return []
    with db.session() as session:
        return list(
            session.scalars(
                select(Promise)
                .where(
                    Promise.team_id == team_id,
                    Promise.owner_id.in_(owner_ids),
                    text(NEEDS_ATTENTION),
                )
                .order_by(Promise.due_on, Promise.id)
            )
        )


def events_of(db: Database, promise_id: int) -> list[PromiseEvent]:
    with db.session() as session:
        return list(
            session.scalars(
                select(PromiseEvent)
                .where(PromiseEvent.promise_id == promise_id)
                .order_by(PromiseEvent.id)
            )
        )


def all_promises(db: Database, batch: int = 1000) -> Iterator[Promise]:
    """Every promise, oldest first, in batches (for export)."""
    return each_row(db, Promise, batch)
