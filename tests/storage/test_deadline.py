"""A write in the ack path gives up at its deadline instead of queueing for half a minute."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from storage.db import Database, deadline

TOUCH = text("UPDATE alembic_version SET version_num = version_num")
HELD_FOR_S = 5.0  # longer than the deadline: a write that waited it out would succeed


@contextmanager
def writing(db: Database) -> Iterator[None]:
    """Another writer holds the write lock (or the row) until the block ends."""
    holding, done = threading.Event(), threading.Event()

    def hold() -> None:
        with db.session() as session:
            session.execute(TOUCH)
            holding.set()
            done.wait(HELD_FOR_S)

    thread = threading.Thread(target=hold)
    thread.start()
    assert holding.wait(10)
    try:
        yield
    finally:
        done.set()
        thread.join(10)


@pytest.mark.parametrize("writer", ["this process", "another process"])
def test_a_write_gives_up_at_its_deadline_while_another_holds_the_lock(
    db: Database, writer: str
) -> None:
    if writer == "this process" and not db.is_sqlite:
        pytest.skip("PostgreSQL has no lock of its own in the process")
    other = db if writer == "this process" else Database(db.url.render_as_string(False))
    try:
        with writing(other), deadline(0.2), pytest.raises(SQLAlchemyError), db.session() as s:
            s.execute(TOUCH)
    finally:
        if other is not db:
            other.dispose()
    with deadline(0.2), db.session() as session:  # the lock released, the same write goes in
        session.execute(TOUCH)
