"""Due dates read in the rep's own zone: date phrases, Slack's time zone, and DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.promises.dates import parse_due_date
from bot.promises.rules import schedule_for
from tests.support.bot import REP, RunningBot, Tick
from tests.support.promises import only_promise, promise_cmd

AUCKLAND, LOS_ANGELES, BERLIN = "Pacific/Auckland", "America/Los_Angeles", "Europe/Berlin"
# Monday 2026-11-23 20:00 UTC: Tuesday 09:00 in Auckland, Monday 12:00 in LA, 21:00 in Berlin.
EVENING_UTC = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)

PHRASES = [
    ("2026-12-15", {AUCKLAND: "2026-12-15", LOS_ANGELES: "2026-12-15", BERLIN: "2026-12-15"}),
    ("today", {AUCKLAND: "2026-11-24", LOS_ANGELES: "2026-11-23", BERLIN: "2026-11-23"}),
    ("tomorrow", {AUCKLAND: "2026-11-25", LOS_ANGELES: "2026-11-24", BERLIN: "2026-11-24"}),
    ("friday", {AUCKLAND: "2026-11-27", LOS_ANGELES: "2026-11-27", BERLIN: "2026-11-27"}),
    ("monday", {AUCKLAND: "2026-11-30", LOS_ANGELES: "2026-11-30", BERLIN: "2026-11-30"}),
    ("next week", {AUCKLAND: "2026-12-01", LOS_ANGELES: "2026-11-30", BERLIN: "2026-11-30"}),
    ("in 3 days", {AUCKLAND: "2026-11-27", LOS_ANGELES: "2026-11-26", BERLIN: "2026-11-26"}),
    ("in 2 weeks", {AUCKLAND: "2026-12-08", LOS_ANGELES: "2026-12-07", BERLIN: "2026-12-07"}),
    ("end of month", {AUCKLAND: "2026-11-30", LOS_ANGELES: "2026-11-30", BERLIN: "2026-11-30"}),
    ("end of quarter", {AUCKLAND: "2026-12-31", LOS_ANGELES: "2026-12-31", BERLIN: "2026-12-31"}),
    ("Q1", {AUCKLAND: "2027-03-31", LOS_ANGELES: "2027-03-31", BERLIN: "2027-03-31"}),
    ("q4", {AUCKLAND: "2026-12-31", LOS_ANGELES: "2026-12-31", BERLIN: "2026-12-31"}),
    ("Q2 2027", {AUCKLAND: "2027-06-30", LOS_ANGELES: "2027-06-30", BERLIN: "2027-06-30"}),
]


@pytest.mark.parametrize(("phrase", "expected"), PHRASES)
def test_date_phrases_mean_the_reps_own_day(phrase: str, expected: dict[str, str]) -> None:
    for zone, day in expected.items():
        today = EVENING_UTC.astimezone(ZoneInfo(zone)).date()
        assert parse_due_date(phrase, today) == date.fromisoformat(day), zone


def test_end_of_month_depends_on_which_month_it_is_where_the_rep_is() -> None:
    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # already 1 December in Auckland
    auckland = now.astimezone(ZoneInfo(AUCKLAND)).date()
    los_angeles = now.astimezone(ZoneInfo(LOS_ANGELES)).date()
    assert parse_due_date("end of month", auckland) == date(2026, 12, 31)
    assert parse_due_date("end of month", los_angeles) == date(2026, 11, 30)


@pytest.mark.parametrize(
    ("zone", "phrase", "due_on"),
    [
        (AUCKLAND, "tomorrow", date(2026, 11, 25)),
        (LOS_ANGELES, "tomorrow", date(2026, 11, 24)),
        (BERLIN, "in 3 days", date(2026, 11, 26)),
        (AUCKLAND, "next week", date(2026, 12, 1)),
        (LOS_ANGELES, "end of quarter", date(2026, 12, 31)),
    ],
)
def test_promise_command_reads_dates_in_the_reps_slack_time_zone(
    bot: RunningBot, zone: str, phrase: str, due_on: date
) -> None:
    bot.fake.add_user(REP, tz=zone)
    bot.clock.set(EVENING_UTC)
    promise_cmd(bot, f"Pilot report to [Acme] by {phrase}", REP)
    assert only_promise(bot).due_on == due_on


def test_dates_across_the_spring_dst_change_in_berlin(bot: RunningBot, tick: Tick) -> None:
    """00:30 on 28 March 2027 in Berlin is still winter time; 09:00 that day is summer time."""
    bot.fake.add_user(REP, tz=BERLIN)
    bot.clock.set(datetime(2027, 3, 27, 23, 30, tzinfo=UTC))
    promise_cmd(bot, "Pilot report to [Acme] by tomorrow", REP)
    promise = only_promise(bot)
    assert promise.due_on == date(2027, 3, 29)
    assert promise.remind_at == datetime(2027, 3, 28, 7, 0, tzinfo=UTC)  # 09:00 CEST
    assert promise.due_end_at == datetime(2027, 3, 29, 22, 0, tzinfo=UTC)

    tick("2027-03-28T06:59:00Z")
    assert bot.fake.calls_to("chat.postMessage") == []
    tick("2027-03-28T07:00:00Z")
    assert len(bot.fake.calls_to("chat.postMessage")) == 1


def test_reminder_after_the_autumn_dst_change_in_new_york_is_at_nine_local() -> None:
    made = datetime(2026, 10, 30, 15, 0, tzinfo=UTC)
    schedule = schedule_for(date(2026, 11, 2), ZoneInfo("America/New_York"), made)
    assert schedule.remind_at == datetime(2026, 11, 1, 14, 0, tzinfo=UTC)  # 09:00 EST
    earlier = schedule_for(date(2026, 11, 1), ZoneInfo("America/New_York"), made)
    assert earlier.remind_at == datetime(2026, 10, 31, 13, 0, tzinfo=UTC)  # 09:00 EDT
