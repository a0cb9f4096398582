"""The weekly picture: loss reasons and the top tags over the last 12 weeks, as a PNG.

Weekly digests carry it in their thread, and daily ones added with `chart`.
Its numbers are counted when the digest is frozen and kept with it
(`DigestPeriod.chart_json`), so a retried upload draws the same chart; the
PNG is drawn with matplotlib's Agg canvas (no display, no pyplot state, safe
in a worker thread), and the alt text says the same numbers in words for
people who cannot see the picture.
"""

from __future__ import annotations

import io
import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.deals.blocks import reason_label
from storage import digest_chart
from storage.db import Database
from storage.digest_chart import WeekCount
from storage.digests import DigestSubscription

WEEKS = 12
TOP_TAGS = 5
TOP_REASONS = 6
ALT_TEXT_CHARS = 1000


@dataclass(frozen=True)
class Chart:
    weeks: list[str]  # each week's first day, "7 Sep", in the subscription's zone
    reasons: dict[str, list[int]]  # loss reason (as reps read it) → lost deals per week
    tags: dict[str, list[int]]  # top tag → notes per week

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Chart:
        return cls(**json.loads(text))

    @property
    def title(self) -> str:
        return f"Loss reasons and top tags, {self.weeks[0]} – {self.weeks[-1]} (12 weeks)"


def wants_chart(subscription: DigestSubscription) -> bool:
    return subscription.cadence == "weekly" or subscription.chart


def chart_for(db: Database, subscription: DigestSubscription, end: datetime) -> Chart | None:
    """The 12 weeks up to `end`; None when nothing was lost or noted in them."""
    boundaries = [end - timedelta(weeks=WEEKS - i) for i in range(WEEKS + 1)]
    zone = ZoneInfo(subscription.timezone)
    weeks = [_day(edge.astimezone(zone)) for edge in boundaries[:-1]]
    reasons = _series(
        digest_chart.loss_reasons_by_week(db, subscription.team_id, boundaries), TOP_REASONS
    )
    tags = _series(
        digest_chart.tags_by_week(db, subscription.team_id, subscription.tag_filter, boundaries),
        TOP_TAGS,
    )
    if not reasons and not tags:
        return None
    return Chart(weeks, {reason_label(r): counts for r, counts in reasons.items()}, tags)


def _day(when: datetime) -> str:
    return f"{when.day} {when:%b}"


def _series(counts: list[WeekCount], top: int) -> dict[str, list[int]]:
    """The `top` names with the most in all, largest first, each as counts per week."""
    series: dict[str, list[int]] = {}
    for row in counts:
        series.setdefault(row.name, [0] * WEEKS)[row.week] += row.count
    largest = sorted(series, key=lambda name: (-sum(series[name]), name))[:top]
    return {name: series[name] for name in largest}


def render_png(chart: Chart) -> bytes:
    """Stacked bars of loss reasons above lines of the top tags, week by week."""
    # Fixed margins: a layout engine would measure every label first, half the drawing time.
    figure = Figure(figsize=(9, 7), dpi=80)
    FigureCanvasAgg(figure)
    figure.subplots_adjust(left=0.08, right=0.98, top=0.95, bottom=0.11, hspace=0.2)
    losses, notes = figure.subplots(2, 1, sharex=True)
    positions = range(len(chart.weeks))
    bottom = [0] * len(chart.weeks)
    for reason, counts in chart.reasons.items():
        losses.bar(positions, counts, bottom=bottom, label=reason)
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    losses.set_title("Lost deals by reason, per week")
    losses.set_ylabel("lost deals")
    for tag, counts in chart.tags.items():
        notes.plot(positions, counts, marker="o", label=f"#{tag}")
    notes.set_title("Field notes on the top tags, per week")
    notes.set_ylabel("notes")
    notes.set_xticks(list(positions), chart.weeks, rotation=45, ha="right")
    for axes, has_data in ((losses, chart.reasons), (notes, chart.tags)):
        if has_data:
            axes.legend(loc="upper left", fontsize="small")
        else:
            axes.text(0.5, 0.5, "none in these weeks", ha="center", transform=axes.transAxes)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", pil_kwargs={"compress_level": 1})
    return buffer.getvalue()


def alt_text(chart: Chart) -> str:
    """The chart in words, with every number it shows (series dropped from the end only if
    Slack's 1,000 characters cannot hold them all, and then said so)."""
    span = f"the 12 weeks from {chart.weeks[0]} to {chart.weeks[-1]}, oldest first"
    parts = [
        *(f"lost for {reason}: {_numbers(c)}" for reason, c in chart.reasons.items()),
        *(f"notes on #{tag}: {_numbers(c)}" for tag, c in chart.tags.items()),
    ]
    text = f"Weekly counts for {span}. " + "; ".join(parts) + "."
    while len(text) > ALT_TEXT_CHARS and parts:
        parts.pop()
        text = f"Weekly counts for {span}. " + "; ".join(parts) + "; more in the chart."
    return text if parts else f"Weekly counts for {span}: nothing lost or noted."


def _numbers(counts: list[int]) -> str:
    return f"{sum(counts)} in all ({', '.join(str(c) for c in counts)})"
