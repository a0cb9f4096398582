"""Migration 0010 learns the competitors already named and indexes the notes already stored."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text

from storage.db import MIGRATIONS, Database
from tests.support.throwaway_db import throwaway_database


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database of its own with no tables (the shared test databases are migrated)."""
    base = os.environ.get("TEST_DATABASE_URL") if request.param == "postgresql" else None
    if request.param == "postgresql" and not base:
        pytest.skip("PostgreSQL tests need TEST_DATABASE_URL")
    with throwaway_database(base, tmp_path, "perspective_intel_migration") as url:
        database = Database(url)
        yield database
        database.dispose()


def migrate(database: Database, revision: str) -> None:
    with database.engine.begin() as connection:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def test_notes_and_answers_stored_before_the_migration_count_after_it(
    empty_database: Database,
) -> None:
    database = empty_database
    migrate(database, "0009_deals_owner_index")
    with database.engine.begin() as connection:
        for sql in (
            "INSERT INTO field_notes (id, team_id, author_id, text, created_at) VALUES "
            "(1, 'T1', 'U1', 'pricing came up', '2026-11-01 10:00:00'), "
            "(2, 'T1', 'U2', 'they compared us with Outreach', '2026-11-02 10:00:00'), "
            "(3, 'T1', 'U2', 'nothing to see', '2026-11-03 10:00:00')",
            "INSERT INTO field_note_tags (note_id, position, team_id, tag) VALUES "
            "(1, 0, 'T1', 'competitor:gong')",
            "INSERT INTO deals (id, team_id, deal_id, name, outcome, source, created_at) VALUES "
            "(1, 'T1', 'd1', 'Acme', 'lost', 'webhook', '2026-11-01 10:00:00')",
            "INSERT INTO deal_closures (id, team_id, deal_ref, outcome, closed_at, created_at, "
            "wants_prompt) VALUES (1, 'T1', 1, 'lost', '2026-11-01 10:00:00', "
            "'2026-11-01 10:00:00', true)",
            "INSERT INTO deal_answers (id, team_id, closure_id, reason, competitor, customer_said, "
            "talked_to_customer, answered_by, answered_at) VALUES (1, 'T1', 1, 'competitor', "
            "'Outreach', 'cheaper', true, 'U1', '2026-11-01 11:00:00')",
        ):
            connection.execute(text(sql))
    migrate(database, "heads")
    with database.engine.connect() as connection:
        terms = connection.execute(text("SELECT term, shown FROM competitor_terms")).all()
        mentions = connection.execute(
            text("SELECT note_id, competitor FROM competitor_mentions ORDER BY note_id")
        ).all()
    assert sorted(terms) == [("gong", "gong"), ("outreach", "Outreach")]
    assert mentions == [(1, "gong"), (2, "outreach")]
