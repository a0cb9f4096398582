"""The test run's PostgreSQL database: commits that do not wait for the disk, and emptied
between tests in a few milliseconds.

TRUNCATE gives each table a new file, which costs tens of milliseconds a table;
deleting the few rows a test wrote and rewinding the sequences it used is far
cheaper and leaves the same empty schema with ids starting again at 1.
"""

from __future__ import annotations

from sqlalchemy import Connection, create_engine, make_url, text

from storage.base import Base
from storage.db import Database

# Sequences a test has drawn from since they were last rewound.
_USED_SEQUENCES = text(
    "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, start_value, false)"
    " FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL"
)


def without_commit_flushes(url: str) -> None:
    """Let commits return before the WAL reaches the disk: only a crash could tell, and a
    test database is thrown away anyway. Sessions opened afterwards inherit it."""
    name = make_url(url).database
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    engine.dispose()


def empty_postgres(database: Database) -> None:
    """Delete every row of the models' tables (children first) and rewind their ids."""
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    with database.engine.begin() as connection:
        for table in _tables_with_rows(connection, tables):
            connection.execute(text(f'DELETE FROM "{table}"'))
        connection.execute(_USED_SEQUENCES)


def _tables_with_rows(connection: Connection, tables: list[str]) -> list[str]:
    """The tables that hold any row, in the order given, found in one round trip."""
    probes = ", ".join(f'EXISTS (SELECT 1 FROM "{table}")' for table in tables)
    flags = connection.execute(text(f"SELECT {probes}")).one()
    return [table for table, has_rows in zip(tables, flags, strict=True) if has_rows]
