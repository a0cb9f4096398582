"""Claims: the exactly-once ledger behind every scheduled send.

A piece of work (a reminder, a nudge, a digest period) is claimed by inserting
a row with a unique key before it is sent. The unique constraint decides races
between processes; a claim whose send failed is released so a later tick
retries it, and a claim whose process died is taken over once its lease expires.
A send Slack rate-limited (429) keeps its claim until the `Retry-After` instant,
so no process asks Slack again before Slack said it may.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, Index, String, Text, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UTCDateTime
from storage.db import Database

LEASE = timedelta(minutes=10)
# The dialects' INSERT, which has ON CONFLICT DO NOTHING: a lost race is a plain "no".
INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


class Claim(Base):
    __tablename__ = "claims"
    __table_args__ = (Index("ix_claims_team_done", "team_id", "done_at"),)

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(default=1)
    result: Mapped[str | None] = mapped_column(Text)
    # Set while the work waits out a 429: nobody retries it before this instant.
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


def claim_once(db: Database, team_id: str, key: str, now: datetime) -> bool:
    """True when this caller now owns `key` and must do the work, then `complete` or `release`."""
    with db.session() as session:
        connection = session.connection()
        new = INSERTS[connection.dialect.name](Claim).values(
            key=key, team_id=team_id, claimed_at=now, attempts=1
        )
        claimed = connection.scalar(new.on_conflict_do_nothing().returning(Claim.key)) is not None
    return claimed or _take_over_stale(db, key, now)


def claim_in(connection: Connection, team_id: str, key: str, now: datetime) -> None:
    """Claim `key` inside the caller's transaction, for work created in that same
    transaction: nobody else can know of it yet, so the claim cannot be lost."""
    connection.execute(insert(Claim).values(key=key, team_id=team_id, claimed_at=now, attempts=1))


def _take_over_stale(db: Database, key: str, now: datetime) -> bool:
    """Re-claim work whose owner crashed mid-send, or whose rate limit has passed;
    the conditional update lets one winner through."""
    with db.session() as session:
        row = session.get(Claim, key)
        if row is None or row.done_at is not None or not _free_at(row, now):
            return False
        result = session.execute(
            update(Claim)
            .where(Claim.key == key, Claim.claimed_at == row.claimed_at, Claim.done_at.is_(None))
            .values(claimed_at=now, attempts=Claim.attempts + 1, retry_at=None)
        )
        return result.rowcount == 1


def _free_at(row: Claim, now: datetime) -> bool:
    if row.retry_at is not None:
        return row.retry_at <= now
    return row.claimed_at <= now - LEASE


def complete(db: Database, key: str, now: datetime, result: str | None = None) -> None:
    with db.session() as session:
        complete_in(session.connection(), key, now, result)


def complete_in(connection: Connection, key: str, now: datetime, result: str | None) -> None:
    """Mark `key` done inside the caller's transaction, with what the work recorded."""
    connection.execute(update(Claim).where(Claim.key == key).values(done_at=now, result=result))


def release(db: Database, *keys: str) -> None:
    """Give the work back after a failed send (or one never started) so a later tick retries it."""
    if keys:
        with db.session() as session:
            session.execute(delete(Claim).where(Claim.key.in_(keys), Claim.done_at.is_(None)))


def hold_until(db: Database, key: str, retry_at: datetime) -> None:
    """Keep the claim after a 429 so that no tick, here or elsewhere, retries before `retry_at`."""
    with db.session() as session:
        session.execute(
            update(Claim).where(Claim.key == key, Claim.done_at.is_(None)).values(retry_at=retry_at)
        )


def is_done(db: Database, key: str) -> bool:
    with db.session() as session:
        return session.scalar(select(Claim.done_at).where(Claim.key == key)) is not None


def result_of(db: Database, key: str) -> str | None:
    with db.session() as session:
        return session.scalar(select(Claim.result).where(Claim.key == key))


def done_keys(db: Database, keys: list[str]) -> set[str]:
    """Which of `keys` are already done: lets a tick skip finished work with one query."""
    if not keys:
        return set()
    with db.session() as session:
        return set(
            session.scalars(
                select(Claim.key).where(Claim.key.in_(keys), Claim.done_at.is_not(None))
            )
        )


def forget(db: Database, prefix: str, claimed_before: datetime) -> int:
    """Delete claims under `prefix` older than `claimed_before`, for keys that only need
    to be remembered for a while (Slack's event retries); how many went."""
    with db.session() as session:
        result = session.execute(
            delete(Claim).where(Claim.key.startswith(prefix), Claim.claimed_at < claimed_before)
        )
        return result.rowcount
