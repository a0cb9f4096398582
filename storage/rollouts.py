"""Rollouts: product launches promises depend on, and every move of their date.

A move is recorded as a row, and the promises it puts at risk as `at_risk`
events pointing at that row, all in one transaction — so the alerts for a move
can be (re)sent from the database, exactly once, even if the process dies
right after the admin typed the command.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Date, Index, String, UniqueConstraint, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.base import Base, UTCDateTime
from storage.db import Database
from storage.promises import AT_RISK, OPEN, RISK_CLEARED, Promise, PromiseEvent, promise_event


class Rollout(Base):
    __tablename__ = "rollouts"
    __table_args__ = (UniqueConstraint("team_id", "key", name="uq_rollouts_team_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    ships_on: Mapped[date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RolloutMove(Base):
    __tablename__ = "rollout_moves"
    __table_args__ = (Index("ix_rollout_moves_notified", "notified_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    rollout_key: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    old_ships_on: Mapped[date] = mapped_column(Date)
    new_ships_on: Mapped[date] = mapped_column(Date)
    moved_by: Mapped[str] = mapped_column(String(32))
    moved_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Set once every owner and manager alert of the move has been delivered.
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


@dataclass(frozen=True)
class MoveOutcome:
    move: RolloutMove
    at_risk: int
    cleared: int


def add_rollout(
    db: Database, team_id: str, key: str, title: str, ships_on: date, by: str, now: datetime
) -> Rollout | None:
    """The new rollout, or None when the key is already taken in this workspace."""
    with db.session() as session:
        if _find(session, team_id, key) is not None:
            return None
        rollout = Rollout(
            team_id=team_id, key=key, title=title, ships_on=ships_on, created_by=by, created_at=now
        )
        session.add(rollout)
    return rollout


def get_rollout(db: Database, team_id: str, key: str) -> Rollout | None:
    with db.session() as session:
        return _find(session, team_id, key)


def list_rollouts(db: Database, team_id: str) -> list[Rollout]:
    with db.session() as session:
        return list(
            session.scalars(
                select(Rollout)
                .where(Rollout.team_id == team_id)
                .order_by(Rollout.ships_on, Rollout.key)
            )
        )


def _find(session: Session, team_id: str, key: str) -> Rollout | None:
    return session.scalar(select(Rollout).where(Rollout.team_id == team_id, Rollout.key == key))


def move_rollout(
    db: Database, team_id: str, key: str, ships_on: date, by: str, now: datetime
) -> MoveOutcome | Rollout | None:
    """Change the rollout's date and re-judge every open promise that needs it.

    A later date puts each open promise due before it at risk (again, with the
    new date, if it already was); an earlier date clears the risk of promises
    now due on or after it. Returns None for an unknown key, and the rollout
    untouched when it already ships that day: a move "from X to X" would only
    fill the history and alert people about nothing. The row lock makes that
    check hold against a move of the same rollout in another process.
    """
    with db.session() as session:
        rollout = session.scalar(
            select(Rollout).where(Rollout.team_id == team_id, Rollout.key == key).with_for_update()
        )
        if rollout is None or rollout.ships_on == ships_on:
            return rollout
        move = RolloutMove(
            team_id=team_id,
            rollout_key=key,
            title=rollout.title,
            old_ships_on=rollout.ships_on,
            new_ships_on=ships_on,
            moved_by=by,
            moved_at=now,
        )
        session.add(move)
        session.flush()
        slipped = ships_on > rollout.ships_on
        rollout.ships_on = ships_on
        needing = (Promise.team_id == team_id, Promise.rollout_key == key, Promise.status == OPEN)
        at_risk = session.scalars(
            select(Promise).where(*needing, Promise.due_on < ships_on).with_for_update()
        ).all()
        newly = [p for p in at_risk if slipped or not p.at_risk]
        cleared = session.scalars(
            select(Promise).where(*needing, Promise.at_risk.is_(True), Promise.due_on >= ships_on)
        ).all()
        detail = f"{rollout.title} moved from {move.old_ships_on} to {ships_on}"
        _flag(session, newly, True, AT_RISK, detail, move.id, now)
        _flag(session, cleared, False, RISK_CLEARED, detail, move.id, now)
        if not newly:
            move.notified_at = now  # nothing to tell anyone
    return MoveOutcome(move=move, at_risk=len(newly), cleared=len(cleared))


def _flag(
    session: Session,
    promises: list[Promise],
    at_risk: bool,
    kind: str,
    detail: str,
    move_id: int,
    now: datetime,
) -> None:
    if not promises:
        return
    session.execute(
        update(Promise)
        .where(Promise.id.in_([p.id for p in promises]))
        .values(at_risk=at_risk, owner_handling_at=None, manager_seen_at=None)
    )
    session.add_all(promise_event(p, kind, detail, now, move_id) for p in promises)


def unnotified_moves(db: Database, limit: int = 100) -> list[RolloutMove]:
    with db.session() as session:
        return list(
            session.scalars(
                select(RolloutMove)
                .where(RolloutMove.notified_at.is_(None))
                .order_by(RolloutMove.id)
                .limit(limit)
            )
        )


def get_move(db: Database, move_id: int) -> RolloutMove | None:
    with db.session() as session:
        return session.get(RolloutMove, move_id)


def promises_put_at_risk_by(db: Database, move_id: int) -> list[Promise]:
    with db.session() as session:
        return list(
            session.scalars(
                select(Promise)
                .join(PromiseEvent, PromiseEvent.promise_id == Promise.id)
                .where(PromiseEvent.rollout_move_id == move_id, PromiseEvent.kind == AT_RISK)
                .order_by(Promise.owner_id, Promise.due_on, Promise.id)
            )
        )


def mark_notified(db: Database, move_id: int, now: datetime) -> None:
    with db.session() as session:
        session.execute(
            update(RolloutMove).where(RolloutMove.id == move_id).values(notified_at=now)
        )
