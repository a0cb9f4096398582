"""What the weekly chart counts: loss reasons and tags, week by week, in SQL.

Each count is one GROUP BY over the weeks' records, with the week a CASE over
the week boundaries (the same SQL on SQLite and PostgreSQL): twelve weeks of a
large workspace come back as a few hundred rows. Tags are counted by note id
from one covering index (`storage.note_weeks`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, case, func, select

from storage import note_weeks
from storage.db import Database
from storage.deals import LOST, DealAnswer, DealClosure


@dataclass(frozen=True)
class WeekCount:
    week: int  # 0 for the oldest week
    name: str  # the reason or the tag
    count: int


def loss_reasons_by_week(
    db: Database, team_id: str, boundaries: Sequence[datetime]
) -> list[WeekCount]:
    """Reasons given for deals lost in each week (`boundaries` are the weeks' edges)."""
    rows = (
        select(_week_of(DealClosure.created_at, boundaries), DealAnswer.reason.label("name"))
        .join(DealAnswer, DealAnswer.closure_id == DealClosure.id)
        .where(
            DealClosure.team_id == team_id,
            DealClosure.outcome == LOST,
            DealClosure.created_at >= boundaries[0],
            DealClosure.created_at < boundaries[-1],
        )
    )
    return _counted(db, rows)


def tags_by_week(
    db: Database, team_id: str, tags: Sequence[str], boundaries: Sequence[datetime]
) -> list[WeekCount]:
    """Notes per tag in each week; `tags` is the subscription's filter (empty: every tag)."""
    edges = note_weeks.first_ids_at(db, team_id, boundaries)
    counts = note_weeks.tag_counts_by_span(db, team_id, tags, edges)
    return [
        WeekCount(week, tag, n)
        for tag, weeks in counts.items()
        for week, n in enumerate(weeks)
        if n
    ]


def _week_of(column: ColumnElement[datetime], boundaries: Sequence[datetime]) -> ColumnElement:
    """0 for a time before `boundaries[1]`, 1 before `boundaries[2]`, and so on."""
    whens = [(column < edge, i) for i, edge in enumerate(boundaries[1:-1])]
    return case(*whens, else_=len(boundaries) - 2).label("week")


def _counted(db: Database, rows: Select) -> list[WeekCount]:
    """(week, name) rows counted per week and name; grouped outside, so the CASE is written once."""
    inner = rows.subquery()
    query = select(inner.c.week, inner.c.name, func.count()).group_by(inner.c.week, inner.c.name)
    with db.session() as session:
        return [WeekCount(int(w), name, int(n)) for w, name, n in session.execute(query)]
