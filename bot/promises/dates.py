"""Due dates as reps type them, read in the rep's own time zone.

`dateparser` reads ISO dates, weekdays, `tomorrow`, `next week`, `in 2 weeks`…;
the sales calendar words it does not know (`end of month`, `end of quarter`,
`Q1`…`Q4`) are handled here. "Today" is the rep's today, not the server's.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import dateparser

EXAMPLES = "`2026-12-15`, `friday`, `tomorrow`, `next week`, `in 2 weeks`, `end of month`, `Q1`"
QUARTER = re.compile(r"^(?:end of )?q([1-4])(?:\s+(\d{4}))?$")
END_OF = re.compile(r"^(?:the )?end of (?:the )?(month|quarter|year)$")
REMINDER_TIME = time(9, 0)

_SETTINGS = {
    "PREFER_DATES_FROM": "future",
    "RETURN_AS_TIMEZONE_AWARE": False,
    "PARSERS": ["relative-time", "absolute-time"],
}


def local_today(now: datetime, zone: ZoneInfo) -> date:
    return now.astimezone(zone).date()


def parse_due_date(phrase: str, today: date) -> date | None:
    """The date a phrase means, seen from `today` in the rep's zone; None if it means nothing."""
    words = " ".join(phrase.lower().replace(",", " ").split())
    if not words:
        return None
    return _calendar_word(words, today) or _dateparser(words, today)


def _calendar_word(words: str, today: date) -> date | None:
    if words == "today":
        return today
    match = END_OF.match(words)
    if match:
        return _end_of(match.group(1), today)
    match = QUARTER.match(words)
    if match:
        return _end_of_quarter(int(match.group(1)), match.group(2), today)
    return None


def _end_of(period: str, today: date) -> date:
    if period == "month":
        return _last_day(today.year, today.month)
    if period == "quarter":
        return _last_day(today.year, (today.month - 1) // 3 * 3 + 3)
    return date(today.year, 12, 31)


def _end_of_quarter(quarter: int, year: str | None, today: date) -> date:
    """`Q1` is the end of the next Q1 that has not ended yet; `Q1 2027` is that one."""
    month = quarter * 3
    if year is not None:
        return _last_day(int(year), month)
    end = _last_day(today.year, month)
    return end if end >= today else _last_day(today.year + 1, month)


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _dateparser(words: str, today: date) -> date | None:
    base = datetime.combine(today, time(12, 0))
    parsed = dateparser.parse(
        words, languages=["en"], settings={**_SETTINGS, "RELATIVE_BASE": base}
    )
    return parsed.date() if parsed is not None else None


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """`at` o'clock on `day` in `zone`, as an aware datetime (zoneinfo resolves DST)."""
    return datetime.combine(day, at, tzinfo=zone)


def end_of_day_utc(day: date, zone: ZoneInfo) -> datetime:
    """The instant `day` ends in `zone` (the next local midnight), in UTC."""
    return local_instant(day + timedelta(days=1), time(0, 0), zone).astimezone(UTC)
