"""Promise events as a digest reads them: by id range, with the promise each is about."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from storage.db import Database
from storage.promises import PromiseEvent


def events_after(
    db: Database,
    team_id: str,
    after_id: int,
    kinds: tuple[str, ...] | list[str],
    limit: int,
    *,
    upto_id: int | None = None,
) -> list[PromiseEvent]:
    """Events with `after_id < id <= upto_id` of the given kinds, oldest first, with their promise.

    `upto_id` is a digest's frozen upper bound: events recorded while the digest
    is being composed belong to the next one.
    """
    with db.session() as session:
        return list(
            session.scalars(
                select(PromiseEvent)
                .join(PromiseEvent.promise)
                .options(contains_eager(PromiseEvent.promise))
                .where(*_event_range(team_id, after_id, upto_id, kinds))
                .order_by(PromiseEvent.id)
                .limit(limit)
            )
        )


def promises_per_event_kind(
    db: Database, team_id: str, after_id: int, upto_id: int, kinds: tuple[str, ...] | list[str]
) -> dict[str, int]:
    """How many distinct promises had an event of each kind in the range (counted in SQL).

    Distinct promises, not events: a promise put at risk by two rollout moves in
    one period is one promise at risk.
    """
    with db.session() as session:
        rows = session.execute(
            select(PromiseEvent.kind, func.count(func.distinct(PromiseEvent.promise_id)))
            .where(*_event_range(team_id, after_id, upto_id, kinds))
            .group_by(PromiseEvent.kind)
        ).all()
    return {kind: count for kind, count in rows}


def _event_range(
    team_id: str, after_id: int, upto_id: int | None, kinds: tuple[str, ...] | list[str]
) -> list:
    conditions = [
        PromiseEvent.team_id == team_id,
        PromiseEvent.id > after_id,
        PromiseEvent.kind.in_(list(kinds)),
    ]
    if upto_id is not None:
        conditions.append(PromiseEvent.id <= upto_id)
    return conditions


def latest_event_id(db: Database, team_id: str) -> int:
    """The newest event id of the workspace (0 when there is none): a digest's starting mark."""
    with db.session() as session:
        return session.scalar(
            select(func.coalesce(func.max(PromiseEvent.id), 0)).where(
                PromiseEvent.team_id == team_id
            )
        )
