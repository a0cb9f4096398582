"""Group commit: concurrent runs of one hot statement share a transaction and a round trip.

Under a burst of webhooks every request ran its own INSERT: its own round trip,
its own commit (a WAL flush), its own PostgreSQL backend woken up. Most of a
request's cost was that, and with dozens of backends and threads on a few cores
the unlucky requests waited far longer than the rest. Here the requests that
arrive while a batch is being written wait, and go together in the next one:
one query string holding every statement, which PostgreSQL runs as one
transaction — one round trip and one commit, whatever the size. (A pipelined
`executemany` waits on the socket several times per batch, and under load each
wait is another turn in the queue for the interpreter lock.)

No extra thread: a caller that finds fewer than `WRITERS` batches being written
becomes a *leader*: it writes everything queued (its own statement included),
hands each caller its row, and passes the next batch to the first caller queued
meanwhile (leader/follower). Callers are served in arrival order. Nothing is
answered before its batch committed, so a row is as durable as if it ran alone.

A batch that fails as a whole (one bad row aborts the transaction) is not
retried as a batch: each of its callers runs its statement alone, so an error
reaches only the caller it belongs to. PostgreSQL only; SQLite writes one
transaction at a time anyway.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Mapping
from typing import Any

import psycopg
from sqlalchemy.sql.elements import TextClause

from storage.db import Database

Params = Mapping[str, Any]
# Batches of the same statement in two processes take their row locks in this
# order, so they cannot deadlock on each other (e.g. two resends of two deals).
OrderKey = Callable[[Params], Any]


class _Call:
    """One caller's statement, and what it gets back."""

    __slots__ = ("alone", "batch", "error", "params", "ready", "row")

    def __init__(self, params: Params) -> None:
        self.params = params
        self.ready = threading.Event()
        # Set for the caller that writes this batch (the first of it).
        self.batch: list[_Call] | None = None
        self.row: tuple[Any, ...] | None = None
        self.error: Exception | None = None
        self.alone = False


class GroupCommit:
    """Runs `statement` (a typed `text()`; at most one row back) for many callers at once."""

    MAX_BATCH = 100
    # Batches written at once. With one, a process waited for each round trip in turn
    # (a single `serve` process lost a third of its throughput); four keep the
    # database busy while the next batch gathers, and measured as well as two with
    # two processes.
    WRITERS = 4

    def __init__(
        self, db: Database, statement: TextClause, *, order: OrderKey, returns_rows: bool
    ) -> None:
        assert not db.is_sqlite, "group commit is for PostgreSQL"
        self._db = db
        self._statement = statement
        self._order = order
        self._returns_rows = returns_rows
        self._compiled = statement.compile(dialect=db.engine.dialect)
        self._processors = {
            name: processor
            for name, bind in self._compiled.binds.items()
            if (processor := bind.type.bind_processor(db.engine.dialect)) is not None
        }
        self._lock = threading.Lock()
        self._queue: list[_Call] = []
        self._writers = 0

    @property
    def queued(self) -> int:
        """Callers waiting for the next batch (the one being written not counted)."""
        with self._lock:
            return len(self._queue)

    def run(self, params: Params) -> tuple[Any, ...] | None:
        """The statement's row for these parameters (None when it returned none)."""
        call = _Call(params)
        with self._lock:
            self._queue.append(call)
            if self._writers < self.WRITERS:
                self._writers += 1
                call.batch = self._take()
        if call.batch is None:
            call.ready.wait()  # until answered, or handed the lead with a batch to write
        if call.batch is not None:
            self._lead(call.batch)
        if call.alone:
            return self._run_alone(params)
        if call.error is not None:
            raise call.error
        return call.row

    def _take(self) -> list[_Call]:
        """The next batch, in arrival order (called holding the lock)."""
        batch, self._queue = self._queue[: self.MAX_BATCH], self._queue[self.MAX_BATCH :]
        return batch

    def _lead(self, batch: list[_Call]) -> None:
        """Write the batch, answer its callers, and hand the next batch to its first caller."""
        try:
            if len(batch) == 1:
                batch[0].row = self._run_alone(batch[0].params)
            else:
                self._write(batch)
        except Exception as error:
            for call in batch:
                # A failed batch is retried statement by statement, each by its caller.
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
        """The batch's statements sent as one query: PostgreSQL runs the statements of one
        query string as one transaction, so this is one round trip and one commit."""
        ordered = sorted(batch, key=lambda call: self._order(call.params))
        with self._db.autocommit() as connection:
            driver = connection.connection.driver_connection
            assert driver is not None
            try:
                with psycopg.ClientCursor(driver) as cursor:
                    statements = [
                        cursor.mogrify(self._compiled.string, self._driver_params(call.params))
                        for call in ordered
                    ]
                    cursor.execute(";\n".join(statements))
                    if self._returns_rows:
                        _collect_rows(cursor, ordered)
            except Exception:
                if driver.broken:
                    connection.invalidate()
                raise

    def _run_alone(self, params: Params) -> tuple[Any, ...] | None:
        """Through SQLAlchemy, so errors arrive as SQLAlchemy's and a lost connection is
        dropped from the pool."""
        with self._db.autocommit() as connection:
            result = connection.execute(self._statement, dict(params))
            row = result.first() if self._returns_rows else None
        return tuple(row) if row is not None else None

    def _driver_params(self, params: Params) -> dict[str, Any]:
        """What SQLAlchemy would hand the driver: defaults filled in, typed values converted."""
        values = self._compiled.construct_params(dict(params))
        for name, processor in self._processors.items():
            values[name] = processor(values[name])
        return values


def _collect_rows(cursor: Any, ordered: list[_Call]) -> None:
    """A query of several statements leaves one result set per statement, in order."""
    for call in ordered:
        call.row = cursor.fetchone()
        cursor.nextset()


_groups: weakref.WeakKeyDictionary[Database, dict[int, GroupCommit]] = weakref.WeakKeyDictionary()
_groups_lock = threading.Lock()


def grouped(
    db: Database, statement: TextClause, *, order: OrderKey, returns_rows: bool
) -> GroupCommit:
    """The one `GroupCommit` of this statement on this database (callers must share it)."""
    with _groups_lock:
        groups = _groups.setdefault(db, {})
        group = groups.get(id(statement))
        if group is None:
            group = GroupCommit(db, statement, order=order, returns_rows=returns_rows)
            groups[id(statement)] = group
        return group
