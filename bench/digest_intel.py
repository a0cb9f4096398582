"""Field-intelligence benchmark: rising-theme detection and the weekly chart on a large workspace.

    .venv/bin/python -m bench.digest_intel --database-url sqlite:///bench-intel.db
    .venv/bin/python -m bench.digest_intel --database-url postgresql://postgres@127.0.0.1:5432/test

Loads 1,000,000 notes (as `bench/digest.py` does: 0–3 tags of 30, 500 reps, spread over
the 365 days before NOW) and 100,000 closed deals over the same year (half lost, four in
five answered with a reason) into a fresh database, then times, five times each:

* the rising-theme detection of an unfiltered digest (`bot.digests.themes.rising_themes`),
* the weekly chart: counting its 12 weeks (`chart_for`), drawing the PNG (`render_png`),
  and both in a row, as a digest does.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, timedelta
from typing import Any

from sqlalchemy import Table, insert, text

from bench.digest import NOW, TEAM, copy, drop_database, fresh_database, load_notes
from bot.digests.chart import chart_for, render_png
from bot.digests.themes import rising_themes
from storage.db import Database
from storage.deals import Deal as DealRow
from storage.deals import DealAnswer, DealClosure
from storage.digests import DigestSubscription

REASONS = ("price", "missing_feature", "competitor", "timing_budget", "no_decision", "other")
RUNS = 5
BATCH = 50_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="sqlite:///bench-intel.db")
    parser.add_argument("--notes", type=int, default=1_000_000)
    parser.add_argument("--deals", type=int, default=100_000)
    args = parser.parse_args()

    url = fresh_database(args.database_url, "perspective_bench_intel")
    db = Database(url)
    db.upgrade()
    try:
        started = time.perf_counter()
        load_notes(db, args.notes)
        load_deals(db, args.deals)
        analyze(db)
        print(
            f"loaded {args.notes:,} notes and {args.deals:,} deals "
            f"in {time.perf_counter() - started:.1f} s"
        )
        subscription = weekly_subscription()
        themes = timed(lambda: rising_themes(db, TEAM, (), NOW))
        print(f"rising themes ({len(themes.result)} found): {themes}")
        counted = timed(lambda: chart_for(db, subscription, NOW))
        chart = counted.result
        assert chart is not None
        drawn = timed(lambda: render_png(chart))
        whole = timed(lambda: render_png(chart_for(db, subscription, NOW)))
        print(f"chart, counting 12 weeks: {counted}")
        print(f"chart, drawing the PNG ({len(drawn.result):,} bytes): {drawn}")
        print(f"chart, counted and drawn: {whole}")
    finally:
        db.dispose()
        drop_database(url)


class Timing:
    def __init__(self, seconds: list[float], result: Any) -> None:
        self.seconds, self.result = seconds, result

    def __str__(self) -> str:
        return (
            f"median {statistics.median(self.seconds):.3f} s, max {max(self.seconds):.3f} s "
            f"({len(self.seconds)} runs)"
        )


def timed(work: Callable[[], Any]) -> Timing:
    seconds, result = [], None
    for _ in range(RUNS):
        started = time.perf_counter()
        result = work()
        seconds.append(time.perf_counter() - started)
    return Timing(seconds, result)


def weekly_subscription() -> DigestSubscription:
    """An unfiltered weekly digest: the chart over every tag, the largest there is."""
    return DigestSubscription(
        id=1,
        team_id=TEAM,
        channel_id="C0BENCH001",
        cadence="weekly",
        post_at="09:00",
        timezone="UTC",
        tags="",
        sections="",
        chart=False,
        created_by="U0ADM0001",
        created_at=NOW,
        period_start=NOW - timedelta(weeks=1),
    )


def deal_rows(count: int) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """Deals, one closure each, and the reps' answers for four in five of them."""
    rng = random.Random(13)
    year = timedelta(days=365).total_seconds()
    start = NOW - timedelta(days=365)
    deals, closures, answers = [], [], []
    for deal_id in range(1, count + 1):
        created = start + timedelta(seconds=year * (deal_id - 1) / count)
        outcome = "lost" if rng.random() < 0.5 else "won"
        owner = f"U0REP{rng.randrange(500):04d}"
        deals.append(
            (deal_id, TEAM, f"crm-{deal_id}", f"Deal {deal_id}", f"Account {deal_id % 2000}",
             10_000, "USD", outcome, owner, None, "webhook", created)
        )  # fmt: skip
        closures.append((deal_id, TEAM, deal_id, outcome, owner, created, created, True))
        if rng.random() < 0.8:
            reason = rng.choice(REASONS) if outcome == "lost" else "product_fit"
            answers.append(
                (deal_id, TEAM, deal_id, reason, None, "they said so", True, None, owner,
                 created + timedelta(hours=2))
            )  # fmt: skip
    return deals, closures, answers


DEAL_COLUMNS = (
    "id", "team_id", "deal_id", "name", "account", "amount", "currency", "outcome", "owner_id",
    "owner_email", "source", "created_at",
)  # fmt: skip
CLOSURE_COLUMNS = (
    "id", "team_id", "deal_ref", "outcome", "owner_id", "closed_at", "created_at", "wants_prompt",
)  # fmt: skip
ANSWER_COLUMNS = (
    "id", "team_id", "closure_id", "reason", "competitor", "customer_said", "talked_to_customer",
    "marketing_note", "answered_by", "answered_at",
)  # fmt: skip


def load_deals(db: Database, count: int) -> None:
    deals, closures, answers = deal_rows(count)
    for table, columns, rows in (
        (DealRow.__table__, DEAL_COLUMNS, deals),
        (DealClosure.__table__, CLOSURE_COLUMNS, closures),
        (DealAnswer.__table__, ANSWER_COLUMNS, answers),
    ):
        bulk_load(db, table, columns, rows)  # type: ignore[arg-type]


def bulk_load(db: Database, table: Table, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """COPY on PostgreSQL (then the id sequence moved past the rows), batched inserts on SQLite."""
    if db.is_sqlite:
        with db.engine.begin() as connection:
            for i in range(0, len(rows), BATCH):
                batch = [dict(zip(columns, row, strict=True)) for row in rows[i : i + BATCH]]
                connection.execute(insert(table), batch)
        return
    raw = db.engine.raw_connection()
    try:
        with raw.cursor() as cursor:
            copy(cursor, f"{table.name} ({', '.join(columns)})", rows)
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), %s)", [len(rows)]
            )
        raw.commit()
    finally:
        raw.close()


def analyze(db: Database) -> None:
    """Fresh statistics (and, on PostgreSQL, the visibility map that index-only scans read),
    as a database that has been in use for a year has them."""
    command = "ANALYZE" if db.is_sqlite else "VACUUM ANALYZE"
    with db.engine.execution_options(isolation_level="AUTOCOMMIT").connect() as connection:
        connection.execute(text(command))


if __name__ == "__main__":
    sys.stdout = io.TextIOWrapper(sys.stdout.buffer, line_buffering=True)
    assert NOW.tzinfo is UTC
    main()
