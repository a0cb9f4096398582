"""Digest benchmark: a year of field notes, 200 subscriptions, one digest and one full tick.

    .venv/bin/python bench/digest.py --database-url sqlite:///bench-digest.db
    .venv/bin/python bench/digest.py --database-url postgresql://postgres@127.0.0.1:5432/test

Loads 1,000,000 notes (1-3 tags each) spread over 365 days with bulk inserts
(COPY on PostgreSQL, executemany on SQLite) into a fresh database, subscribes
200 channels with a mix of tag filters, then times

* building one channel's daily digest (the unfiltered one, the largest), and
* one scheduler tick that posts all 200 digests to the fake Slack, which runs in
  its own process so that it does not share this process's interpreter lock.
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import random
import statistics
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, make_url, text

from bot.config import Settings
from bot.digests import posting as digests
from bot.runtime.scheduler import run_tick
from bot.services import Services, build_services
from bot.slack.fake import FakeSlackServer
from storage import digests as digest_store
from storage.db import Database
from storage.fieldnotes import FieldNote, FieldNoteTag

TEAM = "T0BENCH01"
TAGS = [
    "pricing", "competitor:gong", "competitor:chorus", "competitor:clari", "security",
    "onboarding", "roadmap", "integration:salesforce", "integration:hubspot", "support",
    "procurement", "legal", "performance", "reporting", "mobile", "sso", "api", "budget",
    "renewal", "expansion", "churn-risk", "champion", "training", "ux", "data-quality",
    "forecasting", "coaching", "implementation", "contract", "references",
]  # fmt: skip
PHRASES = [
    "CFO says per-seat pricing kills it", "they compared us with Gong last week",
    "procurement wants SOC 2 before signing", "the champion left the company",
    "loves the forecasting view", "needs Salesforce sync both ways", "budget moved to Q3",
    "asked for a mobile app for field reps", "onboarding took too long last time",
]  # fmt: skip
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
BATCH = 50_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="sqlite:///bench-digest.db")
    parser.add_argument("--notes", type=int, default=1_000_000)
    parser.add_argument("--subscriptions", type=int, default=200)
    args = parser.parse_args()

    url = fresh_database(args.database_url)
    db = Database(url)
    db.upgrade()
    started = time.perf_counter()
    last_id_before_yesterday = load_notes(db, args.notes)
    print(f"loaded {args.notes:,} notes in {time.perf_counter() - started:.1f} s")
    subscribe_channels(db, args.subscriptions, last_id_before_yesterday)

    fake, api_url = start_fake_slack()
    try:
        settings = Settings(
            slack_bot_token="xoxb-test-token", database_url=url, slack_api_url=api_url
        )
        services = build_services(settings, db=db, clock=lambda: NOW)
        time_one_digest(services)
        time_full_tick(services, args.subscriptions)
    finally:
        fake.terminate()
        db.dispose()
        drop_database(url)


def fresh_database(url: str, name: str = "perspective_bench") -> str:
    """An empty database: the SQLite file removed, or a new PostgreSQL database `name` beside
    `url` (each benchmark its own, so two can run on one server)."""
    parsed = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    if parsed.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{parsed.database}{suffix}").unlink(missing_ok=True)
        return url
    admin = create_engine(parsed, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """Leave no large benchmark database behind on a shared PostgreSQL server."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


def note_rows(count: int) -> tuple[list[tuple], list[tuple], int]:
    """Notes evenly spread over the year before NOW; returns notes, tags, last id before yesterday."""
    rng = random.Random(7)
    year = timedelta(days=365).total_seconds()
    start = NOW - timedelta(days=365)
    yesterday = NOW - timedelta(days=1)
    notes, tags, last_before = [], [], 0
    for note_id in range(1, count + 1):
        created = start + timedelta(seconds=year * (note_id - 1) / count)
        if created < yesterday:
            last_before = note_id
        text_ = f"{rng.choice(PHRASES)} ({rng.randrange(10_000)})"
        account = f"Account {rng.randrange(2000)}" if rng.random() < 0.9 else None
        notes.append((note_id, TEAM, f"U0REP{rng.randrange(500):04d}", account, text_, created))
        for position, tag in enumerate(rng.sample(TAGS, rng.choice((0, 1, 1, 2, 2, 3)))):
            tags.append((note_id, position, TEAM, tag))
    return notes, tags, last_before


def load_notes(db: Database, count: int) -> int:
    notes, tags, last_before = note_rows(count)
    if db.is_sqlite:
        note_keys = ("id", "team_id", "author_id", "account", "text", "created_at")
        tag_keys = ("note_id", "position", "team_id", "tag")
        with db.engine.begin() as connection:
            for i in range(0, len(notes), BATCH):
                rows = [dict(zip(note_keys, row, strict=True)) for row in notes[i : i + BATCH]]
                connection.execute(insert(FieldNote.__table__), rows)
            for i in range(0, len(tags), BATCH):
                rows = [dict(zip(tag_keys, row, strict=True)) for row in tags[i : i + BATCH]]
                connection.execute(insert(FieldNoteTag.__table__), rows)
            connection.execute(text("ANALYZE"))
        return last_before
    raw = db.engine.raw_connection()
    try:
        with raw.cursor() as cursor:
            copy(cursor, "field_notes (id, team_id, author_id, account, text, created_at)", notes)
            copy(cursor, "field_note_tags (note_id, position, team_id, tag)", tags)
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('field_notes', 'id'), %s)", [count]
            )
        raw.commit()
        with raw.cursor() as cursor:
            cursor.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
    return last_before


def copy(cursor: Any, target: str, rows: list[tuple]) -> None:
    """Stream rows through PostgreSQL's COPY, the fastest bulk load it has."""
    with cursor.copy(f"COPY {target} FROM STDIN") as copier:
        for row in rows:
            copier.write_row(row)


def subscribe_channels(db: Database, count: int, cursor_id: int) -> None:
    """Daily 09:00 UTC digests whose last digest went out yesterday at 09:00."""
    rng = random.Random(11)
    yesterday = NOW - timedelta(days=1)
    for i in range(count):
        tags = () if i % 2 == 0 else tuple(rng.sample(TAGS, rng.choice((1, 2, 3))))
        new = digest_store.NewSubscription(
            team_id=TEAM,
            channel_id=f"C0BENCH{i:03d}",
            cadence="daily",
            post_at="09:00",
            timezone="UTC",
            tags=tags,
            created_by="U0ADM0001",
            created_at=yesterday,
        )
        digest_store.add_subscription(db, new, {"field_notes": cursor_id})


def time_one_digest(services: Services) -> None:
    subscription = digest_store.subscriptions(services.db, TEAM)[0]
    timings, messages = [], []
    for _ in range(5):
        started = time.perf_counter()
        ranges = digests.open_ranges(services, subscription)
        messages = digests.compose(
            services, subscription, ranges, NOW, post_when_empty=False
        ).messages
        timings.append(time.perf_counter() - started)
    after, upto = ranges["field_notes"]
    print(
        f"one daily digest ({upto - after:,} new notes, {len(messages)} messages): "
        f"median {statistics.median(timings):.3f} s, max {max(timings):.3f} s"
    )


def time_full_tick(services: Services, expected: int) -> None:
    started = time.perf_counter()
    report = run_tick(services, NOW)
    elapsed = time.perf_counter() - started
    sent = sum(1 for s in digest_store.subscriptions(services.db, TEAM) if s.period_start == NOW)
    print(
        f"full tick: {sent}/{expected} digests posted in {elapsed:.2f} s (failed: {report.failed})"
    )


def start_fake_slack() -> tuple[multiprocessing.Process, str]:
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.Process(target=serve_fake_slack, args=(child,), daemon=True)
    process.start()
    return process, parent.recv()


def serve_fake_slack(connection: Connection) -> None:
    server = FakeSlackServer().start()
    connection.send(server.api_url)
    threading.Event().wait()


if __name__ == "__main__":
    sys.stdout = io.TextIOWrapper(sys.stdout.buffer, line_buffering=True)
    main()
