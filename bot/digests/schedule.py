"""When a digest is due: slots in the subscription's own time zone, DST included.

A slot is the local wall-clock time (09:00 Europe/Berlin) on each day, or on
each Monday for weekly digests, turned into a UTC instant with zoneinfo — so
09:00 stays 09:00 in Berlin on both sides of a DST change. A digest is due when
the latest slot at or before `now` lies after the start of the subscription's
open period: a process that was down at 09:00 posts when it comes back, once,
and a new subscription waits for its next slot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

CADENCES = ("daily", "weekly")
TIME_OF_DAY = re.compile(r"^(?P<hours>\d{1,2})(?::(?P<minutes>\d{2}))?\s*(?P<half>am|pm)?$")
TIME_FORMS = "`9am`, `9:30pm`, `09:00` or `21:00`"
MONDAY = 0


@dataclass(frozen=True)
class Schedule:
    cadence: str  # "daily" | "weekly"
    post_at: time
    timezone: ZoneInfo

    def slot_on(self, day: date) -> datetime:
        """The UTC instant of the slot on a local calendar day."""
        local = datetime.combine(day, self.post_at, tzinfo=self.timezone)
        return local.astimezone(UTC)

    def latest_slot(self, now: datetime) -> datetime:
        """The most recent slot at or before `now`."""
        day = now.astimezone(self.timezone).date()
        if self.cadence == "weekly":
            day -= timedelta(days=(day.weekday() - MONDAY) % 7)
        step = timedelta(days=7 if self.cadence == "weekly" else 1)
        slot = self.slot_on(day)
        while slot > now:
            day -= step
            slot = self.slot_on(day)
        return slot

    def next_slot(self, now: datetime) -> datetime:
        """The first slot after `now` (what a new subscription waits for)."""
        step = timedelta(days=7 if self.cadence == "weekly" else 1)
        day = self.latest_slot(now).astimezone(self.timezone).date() + step
        return self.slot_on(day)

    def due_slot(self, period_start: datetime, now: datetime) -> datetime | None:
        """The slot to post now, or None when the open period has not reached a slot yet."""
        slot = self.latest_slot(now)
        return slot if slot > period_start else None


def parse_time(value: str) -> time | None:
    """What people type for a time of day: `9am`, `9:30pm`, `9:00`, `09:00`, `21:00` → a time;
    anything else (`25:00`, `9ish`, a bare `9`, `13pm`) → None, never a guess."""
    match = TIME_OF_DAY.match(value.strip().lower())
    if match is None or not (match["minutes"] or match["half"]):
        return None
    hours, minutes = int(match["hours"]), int(match["minutes"] or 0)
    if match["half"]:
        if not 1 <= hours <= 12:
            return None
        hours = hours % 12 + (12 if match["half"] == "pm" else 0)
    if hours > 23 or minutes > 59:
        return None
    return time(hours, minutes)
