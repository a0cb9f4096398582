"""Time one scheduler tick over 100,000 promises across 500 reps.

The timed tick is the 09:00 one in New York: the reminders due that minute,
the promises that broke at midnight, and the New York managers' nudges, all
claimed and sent to a fake Slack over real HTTP. The 08:59 tick before it is
timed too: it is the process's first, so it also fills the users.info cache
(managers' zones), as happens every 15 minutes in production. Last, a quiet
tick a minute later (nothing due: only the due-work queries), which is what
almost every tick of the day looks like.

    .venv/bin/python bench/tick_promises.py                       # SQLite (temp file)
    .venv/bin/python bench/tick_promises.py --database-url postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/tick_promises.py --zones 1             # every rep in New York

With a PostgreSQL URL, a throw-away database is created next to the given one
and dropped afterwards.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import insert, text

from bench.fake_slack_process import FakeSlackProcess
from bot.config import Settings
from bot.promises.rules import schedule_for
from bot.runtime.scheduler import run_tick
from bot.services import build_services
from storage.db import Database
from storage.promises import BROKEN, KEPT, OPEN, Promise
from storage.teams import TeamMembership
from tests.support.throwaway_db import throwaway_database

TEAM = "T0BENCH01"
ZONES = [
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Europe/London",
    "Europe/Berlin",
]
TICK = datetime(2027, 3, 10, 14, 0, tzinfo=UTC)  # 09:00 in New York


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL URL (default: a SQLite temp file)")
    parser.add_argument("--promises", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=500)
    parser.add_argument("--reps-per-manager", type=int, default=10)
    parser.add_argument(
        "--zones", type=int, default=len(ZONES), help="how many time zones reps live in"
    )
    parser.add_argument(
        "--slack-latency-ms", type=int, default=0, help="make the fake Slack answer this slowly"
    )
    args = parser.parse_args()

    with database(args.database_url) as url:
        db = Database(url)
        db.upgrade()
        try:
            with FakeSlackProcess(args.slack_latency_ms / 1000) as slack:
                fill(db, slack, args)
                settings = Settings(
                    slack_bot_token="xoxb-test-token", database_url=url, slack_api_url=slack.api_url
                )
                services = build_services(settings, db=db, clock=lambda: TICK)
                report(db, slack, services)
        finally:
            db.dispose()
    return 0


def fill(db: Database, slack: FakeSlackProcess, args: argparse.Namespace) -> None:
    """Reps spread over zones and managers, promises due over a year around the tick."""
    rng = random.Random(7)
    reps = [f"U0REP{i:05d}" for i in range(args.reps)]
    managers = [f"U0MGR{i:04d}" for i in range(args.reps // args.reps_per_manager)]
    zone_of = {user: ZONES[i % args.zones] for i, user in enumerate(reps)}
    zone_of.update({m: ZONES[i % args.zones] for i, m in enumerate(managers)})
    slack.add_users(zone_of)
    with db.session() as session:
        session.execute(
            insert(TeamMembership),
            [
                {"team_id": TEAM, "rep_id": rep, "manager_id": managers[i % len(managers)]}
                for i, rep in enumerate(reps)
            ],
        )
    started = time.perf_counter()
    created = TICK - timedelta(days=200)
    first_due = TICK.date() - timedelta(days=180)
    rows = []
    for i in range(args.promises):
        owner = reps[i % len(reps)]
        due_on = first_due + timedelta(days=rng.randrange(365))
        rows.append(promise_row(owner, ZoneInfo(zone_of[owner]), due_on, created, rng))
        if len(rows) == 5000:
            insert_rows(db, rows)
            rows = []
    insert_rows(db, rows)
    print(
        f"filled {args.promises:,} promises for {len(reps)} reps and {len(managers)} managers "
        f"in {args.zones} zone(s) in {time.perf_counter() - started:.1f} s"
    )


def promise_row(
    owner: str, zone: ZoneInfo, due_on: date, created: datetime, rng: random.Random
) -> dict:
    """Promises due before yesterday are kept or broken already (earlier ticks saw to it)."""
    schedule = schedule_for(due_on, zone, created)
    local_today = TICK.astimezone(zone).date()
    status = OPEN
    if due_on < local_today - timedelta(days=1):
        status = KEPT if rng.random() < 0.8 else BROKEN
    reminded = schedule.remind_at is not None and schedule.remind_at < TICK - timedelta(minutes=1)
    return {
        "team_id": TEAM,
        "owner_id": owner,
        "account": f"Account {rng.randrange(5000)}",
        "text": "SSO support for the pilot",
        "due_on": due_on,
        "due_end_at": schedule.due_end_at,
        "remind_at": None if status != OPEN or reminded else schedule.remind_at,
        "rollout_key": None,
        "status": status,
        "at_risk": False,
        "snoozed": False,
        "created_at": created,
        "broken_at": schedule.due_end_at if status == BROKEN else None,
        "manager_seen_at": TICK - timedelta(days=1)
        if status == BROKEN and rng.random() < 0.9
        else None,
    }


def insert_rows(db: Database, rows: list[dict]) -> None:
    if rows:
        with db.session() as session:
            session.execute(insert(Promise), rows)


def report(db: Database, slack: FakeSlackProcess, services: object) -> None:
    with db.engine.connect() as connection:
        if not db.is_sqlite:
            connection.execute(text("ANALYZE"))
            connection.commit()
    ticks = (
        ("08:59 tick, first of the process (directory cache cold)", TICK - timedelta(minutes=1)),
        ("09:00 New York tick", TICK),
        ("quiet tick one minute later", TICK + timedelta(minutes=1)),
    )
    for label, instant in ticks:
        posts, lookups = slack.calls("chat.postMessage"), slack.calls("users.info")
        started = time.perf_counter()
        tick_report = run_tick(services, instant)  # type: ignore[arg-type]
        elapsed = time.perf_counter() - started
        posts = slack.calls("chat.postMessage") - posts
        lookups = slack.calls("users.info") - lookups
        print(
            f"{label}: {elapsed:.3f} s — {posts} DMs, {lookups} users.info, "
            f"jobs failed: {tick_report.failed or 'none'} ({db.describe().split(':')[0]})"
        )


@contextmanager
def database(url: str | None) -> Iterator[str]:
    with (
        tempfile.TemporaryDirectory() as folder,
        throwaway_database(url, Path(folder), "perspective_bench") as database_url,
    ):
        yield database_url


if __name__ == "__main__":
    raise SystemExit(main())
