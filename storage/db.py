"""One engine per process, sessions as context managers, and schema upgrades."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, PoolProxiedConnection, create_engine, event, make_url, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"
# Zero set-up: a SQLite file in the working directory.
DEFAULT_DATABASE_URL = "sqlite:///perspective.db"
QUEUE_FOR_S = 30.0  # how long a write waits its turn when nobody is waiting on it
_deadline: ContextVar[float | None] = ContextVar("deadline", default=None)


class DatabaseBusy(SQLAlchemyError):
    """The database did not take a write before the deadline of whoever waits on it."""


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Writes in this block give up after `seconds` instead of queueing for half a minute,
    so a rep waiting on Slack's 3-second ack gets their text back in time, not an error."""
    token = _deadline.set(seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


class Database:
    """The engine and session factory for one database URL."""

    # Enough for every thread of a `serve` process (16 HTTP threads, the prompt
    # sender, a tick and its senders) to keep a connection instead of reopening one.
    def __init__(self, url: str, *, pool_size: int = 20) -> None:
        self.url = make_url(url)
        self.engine = _create_engine(url, pool_size)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer at a time and every transaction begins IMMEDIATE.
        # Its busy handler polls with sleeps of up to 100 ms, so threads of one
        # process queue on this lock instead (other processes still use the timeout).
        self._writer = threading.RLock() if self.is_sqlite else None
        self._autocommit = None if self.is_sqlite else _autocommit_engine(url)

    @property
    def engines(self) -> list[Engine]:
        """Every pool of connections this database holds (PostgreSQL: two, see `autocommit`)."""
        return [self.engine] if self._autocommit is None else [self.engine, self._autocommit]

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    def describe(self) -> str:
        """The URL with its password hidden, for logs."""
        return self.url.render_as_string(hide_password=True)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends cleanly, rolled back otherwise."""
        with self._turn(), self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def _turn(self) -> Iterator[None]:
        """This process's turn to write (SQLite), waited for no longer than the deadline."""
        if self._writer is None:
            yield
            return
        if not self._writer.acquire(timeout=_deadline.get() or QUEUE_FOR_S):
            raise DatabaseBusy("the database is busy with other writes")
        try:
            yield
        finally:
            self._writer.release()

    @contextmanager
    def autocommit(self) -> Iterator[PoolProxiedConnection]:
        """A pooled PostgreSQL driver connection on which each statement commits on its own.

        For the batched deal intake (`storage.group_commit`), one statement that commits
        on its own in one round trip; the caller drives the driver and translates its errors.
        """
        assert self._autocommit is not None, "SQLite has no writes in WITH; use session()"
        connection = self._autocommit.raw_connection()
        try:
            yield connection
        finally:
            connection.close()

    @contextmanager
    def rolled_back(self) -> Iterator[None]:
        """Every session in the block joins one transaction that is undone at the end, so
        `tick --dry-run` runs the real tick and nothing it claimed or marked stays."""
        with self.engine.connect() as connection:
            outer = connection.begin()
            saved = self._sessions, self._writer
            self._sessions = sessionmaker(
                bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
            )
            self._writer = threading.RLock()  # one connection: the tick's threads take turns
            try:
                yield
            finally:
                self._sessions, self._writer = saved
                outer.rollback()

    def healthy(self) -> bool:
        """True when a write commits: a database that still answers reads but cannot
        save (read-only, disk full, locked) is as down as one that does not answer."""
        try:
            with self.session() as session:
                session.execute(text("UPDATE alembic_version SET version_num = version_num"))
        except SQLAlchemyError:
            return False
        return True

    def upgrade(self) -> None:
        """Bring the schema to the newest migration (idempotent)."""
        with self.engine.begin() as connection:
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            config.attributes["connection"] = connection
            command.upgrade(config, "heads")

    def dispose(self) -> None:
        for engine in self.engines:
            engine.dispose()


def each_row(db: Database, model: Any, batch: int = 1000) -> Iterator[Any]:
    """Every row of `model` by ascending id, fetched in batches so a large export never
    loads the whole table at once."""
    last_id = 0
    while True:
        with db.session() as session:
            rows = session.scalars(
                select(model).where(model.id > last_id).order_by(model.id).limit(batch)
            ).all()
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id


def _create_engine(url: str, pool_size: int) -> Engine:
    if make_url(url).get_backend_name() != "sqlite":
        engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800)
        event.listen(engine, "begin", _postgres_deadline)
        return engine
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": QUEUE_FOR_S})
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "begin", _sqlite_begin_immediate)
    return engine


def _postgres_deadline(connection: Any) -> None:
    """Within a deadline, statements and lock waits give up with it (this transaction only)."""
    seconds = _deadline.get()
    if seconds is not None:
        ms = str(int(seconds * 1000))
        connection.exec_driver_sql(
            "SELECT set_config('statement_timeout', %(ms)s, true),"
            " set_config('lock_timeout', %(ms)s, true)",
            {"ms": ms},
        )


def _autocommit_engine(url: str) -> Engine:
    """Its own small pool: group commit writes `GroupCommit.WRITERS` batches at once per
    statement, and callers of a failed batch rerun theirs alone (beyond the pool they
    wait for a connection)."""
    return create_engine(
        url, isolation_level="AUTOCOMMIT", pool_size=4, max_overflow=8, pool_recycle=1800
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers run beside a writer; the busy timeout makes writers queue, not fail."""
    dbapi_connection.isolation_level = None  # transactions are begun explicitly below
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin_immediate(connection: Any) -> None:
    """Take the write lock when a transaction starts.

    A deferred transaction that reads then writes can fail with "database is
    locked" without waiting on the busy timeout; IMMEDIATE makes it wait instead,
    for another process's write no longer than the deadline.
    """
    connection.exec_driver_sql(
        f"PRAGMA busy_timeout={int((_deadline.get() or QUEUE_FOR_S) * 1000)}"
    )
    connection.exec_driver_sql("BEGIN IMMEDIATE")
