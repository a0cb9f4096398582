"""Throw-away databases for tests and benchmarks, so runs never share rows."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, make_url, text


@contextmanager
def throwaway_postgres(base_url: str, prefix: str = "perspective_test") -> Iterator[str]:
    """A new empty database on the server of `base_url`, dropped (even if in use) afterwards."""
    url = make_url(base_url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def throwaway_database(postgres_url: str | None, folder: Path, prefix: str) -> Iterator[str]:
    """PostgreSQL when a server URL is given, else a SQLite file in `folder`."""
    if postgres_url is None:
        yield f"sqlite:///{folder / f'{prefix}.db'}"
        return
    with throwaway_postgres(postgres_url, prefix) as url:
        yield url
