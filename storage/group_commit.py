"""Group commit: concurrent runs of one hot write share a statement, a transaction and a round trip.

The requests that arrive while a batch is being written wait and go together in the
next one: a single statement that reads the batch from one parameter, a JSON array
with a row per caller (`BatchStatement`), parsed and planned once per connection and
committed once whatever its size.

No extra thread: a caller that finds fewer than `WRITERS` batches being written
becomes a *leader*: it writes everything queued (its own call included), hands
each caller its row, and passes the next batch to the first caller queued
meanwhile (leader/follower). Callers are served in arrival order; a second call
for the same key (the same deal sent twice at once) waits for the next batch, so
it sees the first one committed, exactly as if each had run alone. Nothing is
answered before its batch committed, so a row is as durable as if it ran alone.

A batch that fails as a whole (one bad row aborts the statement) is not retried
as a batch: each of its callers runs its call alone, so an error reaches only
the caller it belongs to. PostgreSQL only; SQLite writes one transaction at a
time anyway.
"""

from __future__ import annotations

import json
import re
import threading
import weakref
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import psycopg
from sqlalchemy.exc import DBAPIError
from sqlalchemy.types import TypeEngine

from storage.db import Database

Params = Mapping[str, Any]
# Batches of the same statement in two processes take their row locks in this
# order, so they cannot deadlock on each other (e.g. two resends of two deals).
# Calls with the same key never share a batch.
OrderKey = Callable[[Params], Hashable]


@dataclass(frozen=True)
class BatchStatement:
    """One PostgreSQL statement that writes a whole batch.

    `sql` reads the batch from `{input}`, a relation with one row per call: a
    column per entry of `columns` (named as the call's parameters, typed as the
    table column it is written to), and `n`, the row's position in the batch.
    A statement that returns rows returns at most one per call, `n` first.
    """

    sql: str
    columns: Mapping[str, TypeEngine[Any]]
    returns_rows: bool
    # False: planned anew for every batch. Otherwise psycopg prepares a statement run
    # five times on a connection, and PostgreSQL keeps the plan it made while the
    # tables were small (a scan of the whole table) for as long as the connection
    # lives; a statement whose plan cannot be pinned to its keys in SQL must be
    # planned against the tables as they are.
    prepared: bool = True


class _Call:
    """One caller's parameters, and what it gets back."""

    __slots__ = ("alone", "batch", "error", "key", "params", "ready", "row")

    def __init__(self, params: Params, key: Hashable) -> None:
        self.params = params
        self.key = key
        self.ready = threading.Event()
        # Set for the caller that writes this batch (the first of it).
        self.batch: list[_Call] | None = None
        self.row: tuple[Any, ...] | None = None
        self.error: Exception | None = None
        self.alone = False


class GroupCommit:
    """Runs a `BatchStatement` for many callers at once; each gets its own row back."""

    MAX_BATCH = 100
    # Batches of one statement written at once by one process. Since a batch costs
    # one statement, one writer measured best with two `serve` processes (about a
    # fifth more throughput than four, and a p99 lower by a quarter): batches grow
    # while one is written, so there are fewer commits. A single process loses about
    # a tenth of its throughput to waiting for each round trip in turn.
    WRITERS = 1

    def __init__(self, db: Database, statement: BatchStatement, *, order: OrderKey) -> None:
        assert not db.is_sqlite, "group commit is for PostgreSQL"
        self._db = db
        self._statement = statement
        self._order = order
        self._sql = _with_input(statement, db)
        self._processors = [
            (name, processor)
            for name, column_type in statement.columns.items()
            if (processor := column_type.bind_processor(db.engine.dialect)) is not None
        ]
        self._lock = threading.Lock()
        self._queue: list[_Call] = []
        self._writers = 0

    @property
    def sql(self) -> str:
        """The statement as sent, `%(batch)s` standing for the batch's JSON rows."""
        return self._sql

    @property
    def queued(self) -> int:
        """Callers waiting for the next batch (the one being written not counted)."""
        with self._lock:
            return len(self._queue)

    def run(self, params: Params) -> tuple[Any, ...] | None:
        """The statement's row for these parameters, `n` left out (None when it returned none)."""
        call = _Call(params, self._order(params))
        with self._lock:
            if self._writers < self.WRITERS:
                # Nothing waits while a writer is free: a writer that finishes takes the
                # queue, and gives up its place only when the queue is empty.
                self._writers += 1
                call.batch = [call]
            else:
                self._queue.append(call)
        if call.batch is None:
            call.ready.wait()  # until answered, or handed the lead with a batch to write
        if call.batch is not None:
            self._lead(call.batch)
        if call.alone:
            call.error = None
            self._write([call])
        if call.error is not None:
            raise call.error
        return call.row

    def _take(self) -> list[_Call]:
        """The next batch, in arrival order, one call per key (called holding the lock)."""
        batch: list[_Call] = []
        keys: set[Hashable] = set()
        waiting: list[_Call] = []
        for call in self._queue:
            if len(batch) == self.MAX_BATCH or call.key in keys:
                waiting.append(call)
            else:
                batch.append(call)
                keys.add(call.key)
        self._queue = waiting
        return batch

    def _lead(self, batch: list[_Call]) -> None:
        """Write the batch, answer its callers, and hand the next batch to its first caller."""
        try:
            self._write(batch)
        except Exception as error:
            for call in batch:
                # A failed batch is retried call by call, each by its caller.
                call.alone, call.error = len(batch) > 1, error
        finally:
            self._hand_over(batch)

    def _hand_over(self, batch: list[_Call]) -> None:
        """Answer the batch's callers and give the next batch its leader (whatever
        happened: a lead never handed over would leave its followers waiting forever)."""
        with self._lock:
            following = self._take() if self._queue else None
            if following is None:
                self._writers -= 1
            else:
                following[0].batch = following
        for call in batch:
            call.ready.set()
        if following is not None:
            following[0].ready.set()

    def _write(self, batch: list[_Call]) -> None:
        """One statement, one round trip, one commit."""
        ordered = sorted(batch, key=lambda call: call.key)
        for n, *row in self._execute(self._rows(ordered)):
            ordered[n - 1].row = tuple(row)

    def _execute(self, params: dict[str, str]) -> list[tuple[Any, ...]]:
        """Straight through psycopg (see `Database.autocommit`), its errors raised as
        SQLAlchemy's, as every other query raises them. (A connection found broken is
        dropped when it goes back: the pool's reset on return fails on it.)"""
        prepare = None if self._statement.prepared else False
        with self._db.autocommit() as connection:
            driver = connection.driver_connection
            assert isinstance(driver, psycopg.Connection)
            try:
                with driver.cursor() as cursor:
                    cursor.execute(self._sql, params, prepare=prepare)
                    return cursor.fetchall() if self._statement.returns_rows else []
            except psycopg.Error as error:
                raise DBAPIError.instance(
                    self._sql, params, error, psycopg.Error, dialect=self._db.engine.dialect
                ) from error

    def _rows(self, ordered: list[_Call]) -> dict[str, str]:
        """The batch as one JSON array of rows, values converted as SQLAlchemy would hand
        them to the driver (one parameter: dumping a typed array per column cost the
        serving process more than everything else it does for a batch)."""
        rows = []
        for call in ordered:
            row = {name: call.params[name] for name in self._statement.columns}
            for name, processor in self._processors:
                row[name] = processor(row[name])
            rows.append(row)
        return {"batch": json.dumps(rows, default=str)}


_LENGTH = re.compile(r"\(.*?\)")


def _with_input(statement: BatchStatement, db: Database) -> str:
    """The statement with `{input}` spelled out: the batch's JSON rows as typed columns.

    Columns are typed without their length or precision: converting to a length
    would cut a too-long text short, where writing it to the column refuses it,
    as a single INSERT would. Decimals and datetimes travel as text, which
    PostgreSQL reads back exactly.
    """
    dialect = db.engine.dialect
    typed = ", ".join(
        f"{name} {_LENGTH.sub('', column_type.compile(dialect))}"
        for name, column_type in statement.columns.items()
    )
    names = ", ".join([*statement.columns, "n"])
    rows = (
        f"SELECT * FROM ROWS FROM (json_to_recordset(%(batch)s::json) AS ({typed})) "
        f"WITH ORDINALITY AS input({names})"
    )
    return statement.sql.format(input=rows)


_groups: weakref.WeakKeyDictionary[Database, dict[int, GroupCommit]] = weakref.WeakKeyDictionary()
_groups_lock = threading.Lock()


def grouped(db: Database, statement: BatchStatement, *, order: OrderKey) -> GroupCommit:
    """The one `GroupCommit` of this statement on this database (callers must share it)."""
    with _groups_lock:
        groups = _groups.setdefault(db, {})
        group = groups.get(id(statement))
        if group is None:
            group = GroupCommit(db, statement, order=order)
            groups[id(statement)] = group
        return group
