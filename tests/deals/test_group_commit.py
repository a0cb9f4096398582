"""Group commit on PostgreSQL: callers queued behind a write go together, and each gets
its own answer (or its own error)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Connection, func, select, text
from sqlalchemy.exc import DataError, OperationalError

from storage import deal_batch, deal_intake, deals, group_commit
from storage.claims import Claim
from storage.db import Database
from storage.deals import Deal, DealClosure, NewDeal, Recorded
from storage.group_commit import GroupCommit
from tests.support.throwaway_db import throwaway_postgres

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TEAM = "T0GROUP"


@pytest.fixture
def pg(db: Database) -> Database:
    if db.is_sqlite:
        pytest.skip("group commit is PostgreSQL's: SQLite writes one transaction at a time")
    return db


def new_deal(
    deal_id: str, *, team_id: str = TEAM, outcome: str = "lost", owner_id: str = "U0REP"
) -> NewDeal:
    return NewDeal(
        team_id=team_id,
        deal_id=deal_id,
        name=f"Deal {deal_id}",
        account="Acme",
        amount=Decimal("48000.00"),
        currency="USD",
        outcome=outcome,
        owner_id=owner_id,
        owner_email=None,
        closed_at=NOW,
        source="webhook",
    )


class Batches:
    """With one writer: holds the first write until the other callers queue behind it,
    and records the size of every write after it (a caller rerun alone counts one)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sizes: list[int] = []
        self.group: GroupCommit | None = None
        self._release = threading.Event()
        self._first_write_started = threading.Event()
        write = GroupCommit._write

        def held_write(group: GroupCommit, batch: list) -> None:
            if self.group is None:
                self.group = group
                self._first_write_started.set()
                self._release.wait(timeout=30)
            else:
                self.sizes.append(len(batch))
            write(group, batch)

        monkeypatch.setattr(GroupCommit, "WRITERS", 1)
        monkeypatch.setattr(GroupCommit, "_write", held_write)

    def run(self, first: Callable[[], Any], queued: list[Callable[[], Any]]) -> list[Any]:
        """`first` starts writing alone; `queued` wait behind it, then go as one batch."""
        results: list[Any] = [None] * (1 + len(queued))

        def call(index: int, work: Callable[[], Any]) -> None:
            try:
                results[index] = work()
            except Exception as error:  # handed back to the test to assert on
                results[index] = error

        threads = [threading.Thread(target=call, args=(0, first))]
        threads[0].start()
        assert self._first_write_started.wait(timeout=30)
        threads += [
            threading.Thread(target=call, args=(i + 1, work)) for i, work in enumerate(queued)
        ]
        for thread in threads[1:]:
            thread.start()
        _wait_until(lambda: self.group is not None and self.group.queued == len(queued))
        self._release.set()
        for thread in threads:
            thread.join(timeout=30)
        return results


def _wait_until(condition: Callable[[], bool]) -> None:
    """Waits for other threads to reach a point (not for time to pass)."""
    done = threading.Event()
    while not condition():
        done.wait(0.001)


def record(db: Database, deal: NewDeal) -> Callable[[], Recorded]:
    return lambda: deal_intake.record_deal(db, deal, True, NOW)


def test_callers_queued_behind_a_write_share_one_transaction(
    pg: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    batches = Batches(monkeypatch)
    later = [record(pg, new_deal(f"crm-{n}")) for n in range(2, 7)]
    # The same deal twice in the queue: the second waits for the next batch, and finds
    # the deal stored by the first.
    later.append(record(pg, new_deal("crm-3")))
    first, *rest = batches.run(record(pg, new_deal("crm-1")), later)

    assert batches.sizes == [5, 1]
    assert first.closure is not None and first.deal.deal_id == "crm-1"
    stored = [r for r in rest if r.closure is not None]
    assert sorted(r.deal.deal_id for r in stored) == [f"crm-{n}" for n in range(2, 7)]
    assert sum(1 for r in rest if r.closure is None) == 1
    with pg.session() as session:
        closures = {c.id: c.deal.deal_id for c in session.scalars(select(DealClosure))}
        claimed = set(session.scalars(select(Claim.key)))
        deal_count = session.scalar(select(func.count(Deal.id)))
    assert deal_count == len(closures) == 6
    for result in [first, *stored]:
        assert closures[result.closure.id] == result.deal.deal_id
        assert deals.prompt_claim_key(result.closure.id, "U0REP") in claimed


def test_a_bad_row_fails_only_its_own_caller(pg: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    batches = Batches(monkeypatch)
    too_long_team = "T" * 40  # team_id is VARCHAR(32): PostgreSQL refuses the row
    later = [
        record(pg, new_deal("crm-2")),
        record(pg, new_deal("crm-3", team_id=too_long_team)),
        record(pg, new_deal("crm-4")),
    ]
    first, good, bad, other = batches.run(record(pg, new_deal("crm-1")), later)

    assert batches.sizes == [3, 1, 1, 1]  # the batch, then each caller alone
    assert isinstance(bad, DataError)
    assert [r.deal.deal_id for r in (first, good, other)] == ["crm-1", "crm-2", "crm-4"]
    with pg.session() as session:
        stored = sorted(session.scalars(select(Deal.deal_id)))
    assert stored == ["crm-1", "crm-2", "crm-4"]


def test_many_callers_with_several_writers_each_get_their_own_row(
    pg: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(GroupCommit, "WRITERS", 3)
    results: dict[str, Recorded] = {}

    def send(deal_id: str) -> None:
        results[deal_id] = deal_intake.record_deal(pg, new_deal(deal_id), True, NOW)

    threads = [threading.Thread(target=send, args=(f"crm-{n}",)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(results) == 40
    with pg.session() as session:
        closures = {c.id: c.deal.deal_id for c in session.scalars(select(DealClosure))}
    assert len(closures) == 40
    for deal_id, result in results.items():
        assert result.closure is not None and closures[result.closure.id] == deal_id


def test_text_that_looks_like_sql_goes_through_a_batch_unchanged(
    pg: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch's values travel as JSON text: every value must arrive as it was sent."""
    names = [
        "50% off %s %(x)s",
        "O'Brien; DROP TABLE deals; --",
        "✓ \\ back\\slash",
        "$1 $$",
        'say "hi"\n{"name": null}',
    ]
    odd = [replace(new_deal(f"crm-{n}"), name=name) for n, name in enumerate(names, start=2)]
    batches = Batches(monkeypatch)
    batches.run(record(pg, new_deal("crm-1")), [record(pg, deal) for deal in odd])

    assert batches.sizes == [5]
    with pg.session() as session:
        stored = dict(session.execute(select(Deal.deal_id, Deal.name)).tuples().all())
    assert [stored[deal.deal_id] for deal in odd] == names


def test_missing_values_go_through_a_batch_as_nulls(
    pg: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A column may be NULL for every call of a batch (no account, no amount, no owner)."""
    bare = [
        replace(new_deal(f"crm-{n}"), account=None, amount=None, currency=None, owner_id=None)
        for n in range(2, 5)
    ]
    batches = Batches(monkeypatch)
    _, *rest = batches.run(record(pg, new_deal("crm-1")), [record(pg, d) for d in bare])

    assert batches.sizes == [3]
    assert all(r.closure is not None and not r.closure.wants_prompt for r in rest)
    with pg.session() as session:
        stored = session.execute(
            select(Deal.account, Deal.amount, Deal.owner_id).where(Deal.deal_id != "crm-1")
        ).all()
        claimed = session.scalar(select(func.count(Claim.key)))
    assert stored == [(None, None, None)] * 3
    assert claimed == 1  # only crm-1 has an owner to ask


def test_the_intake_is_prepared_once(pg: Database) -> None:
    """Calls one after another reuse one pooled connection, where the intake is prepared."""
    for n in range(8):
        deal_intake.record_deal(pg, new_deal(f"crm-{n}"), True, NOW)

    with pg.autocommit() as connection, connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [statement for (statement,) in cursor.fetchall()]
    assert sum("INSERT INTO deals" in s for s in statements) == 1


def test_a_lost_connection_fails_its_batch_once_and_is_replaced(pg: Database) -> None:
    deal_intake.record_deal(pg, new_deal("crm-1"), True, NOW)  # leaves a connection in the pool
    with pg.engine.connect() as connection:
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )

    with pytest.raises(OperationalError):
        deal_intake.record_deal(pg, new_deal("crm-2"), True, NOW)
    retried = deal_intake.record_deal(pg, new_deal("crm-2"), True, NOW)

    assert retried.closure is not None
    with pg.session() as session:
        assert sorted(session.scalars(select(Deal.deal_id))) == ["crm-1", "crm-2"]


def test_the_batch_finds_deals_by_the_unique_key_even_on_plans_made_early(
    pg: Database,
) -> None:
    """A prepared statement's generic plan, made while the table was small, lives as long
    as its connection: it must not be one that reads the whole table."""
    base_url = pg.url.render_as_string(hide_password=False)
    with throwaway_postgres(base_url, "perspective_plan") as url:
        db = Database(url)
        db.upgrade()
        for n in range(20):
            deal_intake.record_deal(db, new_deal(f"crm-{n}", owner_id=f"U0REP{n % 3}"), True, NOW)
        intake = group_commit.grouped(db, deal_batch.NEW_CLOSURES, order=deal_batch.by_deal).sql
        batch = json.dumps([{"team_id": TEAM, "deal_id": "crm-3"}])
        with db.engine.connect() as connection:
            connection.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
            intake_plan = generic_plan(connection, intake % {"batch": "$1"}, f"'{batch}'")
        db.dispose()
    assert "Index Scan using uq_deals_team_deal on deals" in intake_plan, intake_plan
    assert "Seq Scan on deals" not in intake_plan, intake_plan


def generic_plan(connection: Connection, statement: str, arguments: str) -> str:
    name = f"plan_{abs(hash(statement))}"
    connection.exec_driver_sql(f"PREPARE {name} AS {statement}")
    plan = connection.exec_driver_sql(f"EXPLAIN EXECUTE {name}({arguments})").scalars()
    return "\n".join(plan)


def columns_of(instance: Deal | DealClosure) -> dict[str, Any]:
    return {c.key: getattr(instance, c.key) for c in type(instance).__table__.columns}


def test_an_intake_answers_with_its_deal_and_closure_exactly_as_stored(db: Database) -> None:
    first = deal_intake.record_deal(db, new_deal("as-stored"), True, NOW)
    assert first.closure is not None
    stored = deals.closure_by_id(db, first.closure.id)
    assert stored is not None
    assert columns_of(first.closure) == columns_of(stored)
    assert columns_of(first.closure.deal) == columns_of(stored.deal)
    assert first.closure.answer is None and first.closure.is_open

    resent = deal_intake.record_deal(db, new_deal("as-stored"), True, NOW)
    assert resent.closure is None
    assert columns_of(resent.deal) == columns_of(stored.deal)
