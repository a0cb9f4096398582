"""Alembic environment: runs on the connection `Database.upgrade` hands over,
or on DATABASE_URL when the alembic command line is used directly."""

import os

from alembic import context
from sqlalchemy import create_engine

import storage.claims
import storage.deals
import storage.digest_recognition
import storage.digest_themes
import storage.digests
import storage.fieldnotes
import storage.note_uses
import storage.promises
import storage.rollouts
import storage.teams
import storage.workspace_settings  # noqa: F401  (models register themselves on Base.metadata)
from storage.base import Base
from storage.db import DEFAULT_DATABASE_URL

target_metadata = Base.metadata


def run_migrations(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    engine = create_engine(os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL))
    with engine.begin() as own_connection:
        run_migrations(own_connection)
