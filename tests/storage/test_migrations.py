"""The migrations build exactly the schema the models declare, on both databases.

Queries are written against the models but production tables come from the
migrations; if the two drift apart, an index the code relies on is missing (or a
column the code writes does not exist) only in deployed databases. These tests
make a model change without its migration, or the reverse, fail CI.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, MetaData, inspect

import storage
from storage.base import Base
from storage.db import MIGRATIONS, Database
from tests.support.cli import InProcessCli
from tests.support.throwaway_db import throwaway_database


def every_model() -> MetaData:
    """Base.metadata with every storage module imported, so a model whose module the
    migration environment forgets to import still shows up as a difference."""
    for module in pkgutil.iter_modules(storage.__path__):
        if module.name != "migrations":
            importlib.import_module(f"storage.{module.name}")
    return Base.metadata


def differences(connection: Connection) -> list[object]:
    """What `alembic revision --autogenerate` would put in a new migration."""
    return compare_metadata(MigrationContext.configure(connection), every_model())


def current_revisions(database: Database) -> tuple[str, ...]:
    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_heads()


def newest_revisions() -> tuple[str, ...]:
    return tuple(ScriptDirectory(str(MIGRATIONS)).get_heads())


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database with no tables yet: the session-wide PostgreSQL test database is
    already migrated, so each test here gets its own."""
    base = None
    if request.param == "postgresql":
        base = os.environ.get("TEST_DATABASE_URL")
        if not base:
            pytest.skip(
                "PostgreSQL tests need TEST_DATABASE_URL "
                "(e.g. postgresql://postgres@127.0.0.1:5432/test)"
            )
    with throwaway_database(base, tmp_path, "perspective_migrations") as url:
        database = Database(url)
        yield database
        database.dispose()


def test_the_migrations_have_one_head_for_the_next_migration_to_revise() -> None:
    """Two migrations revising the same parent would both run, in no defined order."""
    assert len(newest_revisions()) == 1, newest_revisions()


def test_upgrading_a_fresh_database_gives_exactly_the_schema_of_the_models(
    fresh_database: Database,
) -> None:
    fresh_database.upgrade()

    assert current_revisions(fresh_database) == newest_revisions()
    with fresh_database.engine.connect() as connection:
        assert differences(connection) == []


def test_db_upgrade_migrates_a_fresh_sqlite_file_and_running_it_again_changes_nothing(
    cli: InProcessCli, tmp_path: Path
) -> None:
    """Operators run `perspective db upgrade` on every deploy, so a second run must be
    a quiet no-op, not an error."""
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    env = {"SLACK_BOT_TOKEN": "xoxb-test-token", "DATABASE_URL": url}
    outputs = []
    for _ in range(2):
        result = cli(["db", "upgrade"], env, tmp_path)
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        outputs.append(result.stdout)
        database = Database(url)
        assert current_revisions(database) == newest_revisions()
        with database.engine.connect() as connection:
            assert differences(connection) == []
            tables = sorted(inspect(connection).get_table_names())
        database.dispose()
        assert tables == sorted([*every_model().tables, "alembic_version"])

    assert outputs == [f"database {url} is up to date\n"] * 2
