"""Competitor-view benchmark: a year of field notes and closed deals, then the view.

    .venv/bin/python -m bench.intel --database-url sqlite:///bench-intel.db
    .venv/bin/python -m bench.intel --database-url postgresql://postgres@127.0.0.1:5432/test

Loads 1,000,000 notes (0-3 tags, some naming competitors in their text) and 100,000
closed deals (each with a closure, 80 % answered, a third of the answers naming a
competitor) spread over 365 days with bulk inserts into a fresh database, indexes the
notes' competitor mentions the way a first mention of each competitor does, then times
(median of 5, after one warm-up):

* `/fieldnote competitor gong` (the view: 30- and 90-day counts, deals, quotes, reps),
* `/fieldnote competitors` (every competitor with its numbers),
* what a user would do without it: `/fieldnote search gong` (a LIKE scan over every
  note) and a LIKE count of the last 90 days' notes naming gong,
* saving one note with its mentions (the `/fieldnote` ack's write), against a plain insert.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select, text

from bench.digest import copy, drop_database, fresh_database
from bot.config import Settings
from bot.intel import competitors
from bot.refusals import Refusal
from bot.services import build_services
from storage import fieldnotes, intel
from storage.db import Database
from storage.deals import Deal, DealAnswer, DealClosure
from storage.fieldnotes import FieldNote, FieldNoteTag, NewNote

TEAM = "T0BENCH01"
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
BATCH = 50_000
COMPETITORS = ["Gong", "Chorus", "Clari", "Outreach", "Salesloft"]
TAGS = [
    "pricing", "competitor:gong", "competitor:chorus", "competitor:clari", "security",
    "onboarding", "roadmap", "integration:salesforce", "support", "procurement", "legal",
    "reporting", "mobile", "sso", "api", "budget", "renewal", "champion", "forecasting",
]  # fmt: skip
PHRASES = [
    "CFO says per-seat pricing kills it", "they compared us with Gong last week",
    "procurement wants SOC 2 before signing", "the champion left the company",
    "loves the forecasting view, Clari has nothing like it", "needs Salesforce sync both ways",
    "budget moved to Q3", "asked for a mobile app for field reps",
    "onboarding took too long last time", "Chorus offered a free pilot",
    "security review is the blocker", "the VP wants weekly reporting",
]  # fmt: skip
SAID = [
    "They bundled call recording for free",
    "Our price was 30% higher",
    "Their forecasting was what the CRO wanted",
    "Support answered within an hour",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="sqlite:///bench-intel.db")
    parser.add_argument("--notes", type=int, default=1_000_000)
    parser.add_argument("--deals", type=int, default=100_000)
    args = parser.parse_args()

    url = fresh_database(args.database_url)
    db = Database(url)
    db.upgrade()
    try:
        started = time.perf_counter()
        load(db, args.notes, args.deals)
        print(f"loaded {args.notes:,} notes, {args.deals:,} deals in {elapsed(started)}")
        started = time.perf_counter()
        for name in ("gong", "chorus", "clari"):
            intel.learn_terms(db, TEAM, [name])  # a first #competitor: tag does this
        intel.learn_terms(db, TEAM, COMPETITORS[3:])  # first named in win/loss answers
        analyze(db)
        print(f"indexed the mentions of 5 competitors in {elapsed(started)} (one scan each)")
        time_everything(db, url)
    finally:
        db.dispose()
        drop_database(url)


def elapsed(started: float) -> str:
    return f"{time.perf_counter() - started:.1f} s"


def note_rows(count: int) -> tuple[list[tuple], list[tuple]]:
    rng = random.Random(7)
    year = timedelta(days=365).total_seconds()
    start = NOW - timedelta(days=365)
    notes, tags = [], []
    for note_id in range(1, count + 1):
        created = start + timedelta(seconds=year * (note_id - 1) / count)
        words = f"{rng.choice(PHRASES)} ({rng.randrange(10_000)})"
        account = f"Account {rng.randrange(2000)}" if rng.random() < 0.9 else None
        notes.append((note_id, TEAM, f"U0REP{rng.randrange(500):04d}", account, words, created))
        for position, tag in enumerate(rng.sample(TAGS, rng.choice((0, 1, 1, 2, 2, 3)))):
            tags.append((note_id, position, TEAM, tag))
    return notes, tags


def deal_rows(count: int) -> tuple[list[tuple], list[tuple], list[tuple]]:
    rng = random.Random(13)
    year = timedelta(days=365).total_seconds()
    start = NOW - timedelta(days=365)
    deals, closures, answers = [], [], []
    for ref in range(1, count + 1):
        closed = start + timedelta(seconds=year * (ref - 1) / count)
        outcome = rng.choice(("won", "lost", "lost"))
        owner = f"U0REP{rng.randrange(500):04d}"
        deals.append(
            (ref, TEAM, f"crm-{ref}", f"Deal {ref}", f"Account {rng.randrange(2000)}",
             Decimal(rng.randrange(5, 200) * 1000), "USD", outcome, owner, None, "webhook", closed)
        )  # fmt: skip
        closures.append((ref, TEAM, ref, outcome, owner, closed, closed, True, closed))
        if rng.random() < 0.8:
            named = rng.choice(COMPETITORS) if rng.random() < 0.33 else None
            reason = (
                ("competitor" if outcome == "lost" else "competitor_weakness") if named else "other"
            )
            answered = closed + timedelta(hours=rng.randrange(1, 72))
            answers.append(
                (ref, TEAM, ref, reason, named, rng.choice(SAID), rng.random() < 0.6, None,
                 owner, answered)
            )  # fmt: skip
    return deals, closures, answers


DEAL_COLUMNS = (
    "id, team_id, deal_id, name, account, amount, currency, outcome, owner_id, owner_email, "
    "source, created_at"
)
CLOSURE_COLUMNS = (
    "id, team_id, deal_ref, outcome, owner_id, closed_at, created_at, wants_prompt, prompted_at"
)
ANSWER_COLUMNS = (
    "id, team_id, closure_id, reason, competitor, customer_said, talked_to_customer, "
    "marketing_note, answered_by, answered_at"
)
NOTE_COLUMNS = "id, team_id, author_id, account, text, created_at"
TAG_COLUMNS = "note_id, position, team_id, tag"


def load(db: Database, note_count: int, deal_count: int) -> None:
    """Bulk inserts: executemany in batches on SQLite, COPY on PostgreSQL."""
    notes, tags = note_rows(note_count)
    deals, closures, answers = deal_rows(deal_count)
    tables = [
        (FieldNote.__table__, NOTE_COLUMNS, notes),
        (FieldNoteTag.__table__, TAG_COLUMNS, tags),
        (Deal.__table__, DEAL_COLUMNS, deals),
        (DealClosure.__table__, CLOSURE_COLUMNS, closures),
        (DealAnswer.__table__, ANSWER_COLUMNS, answers),
    ]
    if db.is_sqlite:
        with db.engine.begin() as connection:
            for table, columns, rows in tables:
                keys = columns.split(", ")
                for i in range(0, len(rows), BATCH):
                    batch = [dict(zip(keys, row, strict=True)) for row in rows[i : i + BATCH]]
                    connection.execute(insert(table), batch)
        return
    raw = db.engine.raw_connection()
    try:
        with raw.cursor() as cursor:
            for table, columns, rows in tables:
                copy(cursor, f"{table.name} ({columns})", rows)
                if table.name != "field_note_tags":
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), %s)",
                        [len(rows)],
                    )
        raw.commit()
    finally:
        raw.close()


def analyze(db: Database) -> None:
    with db.engine.begin() as connection:
        connection.execute(text("ANALYZE"))


def timed(what: str, work: Callable[[], Any], runs: int = 5) -> None:
    work()  # warm-up: the first run of a statement pays for planning and cold pages
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    print(f"{what}: median {statistics.median(timings):.3f} s, max {max(timings):.3f} s")


def naive_count(db: Database) -> int:
    """The last 90 days' notes naming gong in their text or tags, found with LIKE."""
    tagged = select(FieldNoteTag.note_id).where(
        FieldNoteTag.team_id == TEAM, FieldNoteTag.tag == "competitor:gong"
    )
    with db.session() as session:
        return session.scalar(
            select(func.count()).where(
                FieldNote.team_id == TEAM,
                FieldNote.created_at >= NOW - timedelta(days=90),
                FieldNote.text.icontains("gong") | FieldNote.id.in_(tagged),
            )
        )


def time_everything(db: Database, url: str) -> None:
    settings = Settings(
        slack_bot_token="xoxb-bench", database_url=url, slack_api_url="http://127.0.0.1:9/"
    )
    services = build_services(settings, db=db, clock=lambda: NOW)
    view = competitors.view(services, TEAM, "gong")
    assert not isinstance(view, Refusal), view
    windows = ", ".join(
        f"{w.days} d: {w.notes:,} notes, {w.deals.won:,} won / {w.deals.lost:,} lost"
        for w in view.windows
    )
    print(f"gong: {windows}")
    timed(
        "competitor view (/fieldnote competitor gong)",
        lambda: competitors.view(services, TEAM, "gong"),
    )
    timed("competitor list (/fieldnote competitors)", lambda: competitors.overview(services, TEAM))
    print(f"naive: {naive_count(db):,} notes in 90 days by LIKE")
    timed("naive: LIKE count of the last 90 days", lambda: naive_count(db))
    timed("naive: /fieldnote search gong", lambda: fieldnotes.search_notes(db, TEAM, ["gong"], 10))
    note = NewNote(TEAM, "U0REP0001", "Acme", "they compared us with Gong", ("pricing",), None, NOW)
    timed("save a note with its mentions", lambda: intel.add_note_with_mentions(db, note), runs=20)
    timed("save a note (plain insert)", lambda: fieldnotes.add_note(db, note), runs=20)


if __name__ == "__main__":
    sys.stdout = io.TextIOWrapper(sys.stdout.buffer, line_buffering=True)
    main()
