"""Due dates in the rep's zone, and reminders, broken commitments and manager nudges driven
through `perspective tick --now`, exactly once across processes and failed sends."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.promises import reminders as reminder_job
from bot.promises.dates import parse_due_date
from bot.promises.nudges import compose_nudge
from bot.promises.reminders import is_away
from bot.promises.rules import schedule_for
from bot.runtime.cli import main
from bot.slack.directory import Person
from storage import promises as store
from storage import teams
from storage.promises import BROKEN, OPEN
from tests.support.bot import (
    MANAGER,
    OTHER_REP,
    REP,
    TEAM,
    RunningBot,
    tick_concurrently,
)
from tests.support.messages import text_of
from tests.support.promises import add_rollout, all_promises, dm_ref, only_promise, promise_cmd

Tick = Callable[[str], int]
SECOND_MANAGER = "U0MGR0002"
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


def test_dates_across_the_spring_dst_change_in_berlin(bot: RunningBot, cli_tick: Tick) -> None:
    """00:30 on 28 March 2027 in Berlin is still winter time; 09:00 that day is summer time."""
    bot.fake.add_user(REP, tz=BERLIN)
    bot.clock.set(datetime(2027, 3, 27, 23, 30, tzinfo=UTC))
    promise_cmd(bot, "Pilot report to [Acme] by tomorrow", REP)
    promise = only_promise(bot)
    assert promise.due_on == date(2027, 3, 29)
    assert promise.remind_at == datetime(2027, 3, 28, 7, 0, tzinfo=UTC)  # 09:00 CEST
    assert promise.due_end_at == datetime(2027, 3, 29, 22, 0, tzinfo=UTC)

    cli_tick("2027-03-28T06:59:00Z")
    assert bot.fake.calls_to("chat.postMessage") == []
    cli_tick("2027-03-28T07:00:00Z")
    assert len(bot.fake.calls_to("chat.postMessage")) == 1


def test_reminder_after_the_autumn_dst_change_in_new_york_is_at_nine_local() -> None:
    made = datetime(2026, 10, 30, 15, 0, tzinfo=UTC)
    schedule = schedule_for(date(2026, 11, 2), ZoneInfo("America/New_York"), made)
    assert schedule.remind_at == datetime(2026, 11, 1, 14, 0, tzinfo=UTC)  # 09:00 EST
    earlier = schedule_for(date(2026, 11, 1), ZoneInfo("America/New_York"), made)
    assert earlier.remind_at == datetime(2026, 10, 31, 13, 0, tzinfo=UTC)  # 09:00 EDT


def reminders(bot: RunningBot) -> list[dict]:
    return bot.fake.calls_to("chat.postMessage", where=lambda a: "Reminder: promise" in a["text"])


def nudges(bot: RunningBot, manager: str = MANAGER) -> list[dict]:
    return bot.fake.calls_to(
        "chat.postMessage",
        where=lambda a: a["channel"] == manager and "broken and at-risk" in a["text"],
    )


def test_reminder_goes_out_once_the_day_before_at_nine_in_the_owners_zone(
    bot: RunningBot, cli_tick: Tick
) -> None:
    promise_cmd(bot, "Pilot report to [Acme] by 2026-12-15", REP)  # REP is in New York
    assert cli_tick("2026-12-14T13:59:00Z") == 0
    assert reminders(bot) == []
    cli_tick("2026-12-14T14:00:00Z")
    cli_tick("2026-12-14T14:01:00Z")
    [reminder] = reminders(bot)
    assert reminder["channel"] == REP
    shown = text_of(reminder)
    assert "Pilot report" in shown and "Tuesday 15 December 2026" in shown
    for action in ("promise_kept", "promise_more_time", "promise_broken"):
        assert action in shown

    promise = only_promise(bot)
    channel, ts = dm_ref(bot, f"reminder:{promise.id}:2026-12-15")
    bot.slack.block_action("promise_kept", str(promise.id), channel=channel, message_ts=ts)
    [update] = bot.fake.wait_for("chat.update")
    assert update["ts"] == ts and "promise_kept" not in text_of(update)


def test_promise_past_its_due_date_becomes_broken_once(bot: RunningBot, cli_tick: Tick) -> None:
    promise_cmd(bot, "Pilot report to [Acme] by 2026-12-15", REP)
    cli_tick("2026-12-16T04:59:00Z")  # 23:59 on the 15th in New York
    assert only_promise(bot).status == OPEN
    cli_tick("2026-12-16T05:00:00Z")
    cli_tick("2026-12-16T05:01:00Z")
    promise = only_promise(bot)
    assert (promise.status, promise.broken_reason) == (BROKEN, None)
    assert [e.kind for e in store.events_of(bot.db, promise.id)] == ["broken"]
    # delivered late: the rep can still mark it kept
    assert "kept" in text_of(promise_cmd(bot, f"kept {promise.id}", REP))


def test_manager_nudge_at_nine_in_the_managers_zone_once_a_day(
    bot: RunningBot, cli_tick: Tick
) -> None:
    bot.fake.add_user(SECOND_MANAGER, tz="Europe/Berlin")
    teams.assign_reps(bot.db, TEAM, MANAGER, [REP])
    teams.assign_reps(bot.db, TEAM, SECOND_MANAGER, [OTHER_REP])
    promise_cmd(bot, "Pilot report to [Acme] by 2026-12-15", REP)
    promise_cmd(bot, "Roadmap call with [Hooli] by 2027-01-15", OTHER_REP)

    cli_tick("2026-12-16T13:59:00Z")  # 08:59 in New York
    assert nudges(bot) == []
    cli_tick("2026-12-16T14:00:00Z")
    cli_tick("2026-12-16T20:00:00Z")
    [nudge] = nudges(bot)
    shown = text_of(nudge)
    assert "Broken commitments" in shown and "Pilot report" in shown and "Acme" in shown
    assert f"<@{REP}>" in shown and "1 day late" in shown
    assert "promise_remind_rep" in shown and "promise_seen" in shown
    assert nudges(bot, SECOND_MANAGER) == []  # nothing to say: no nudge

    cli_tick("2026-12-17T14:00:00Z")
    assert len(nudges(bot)) == 2 and "2 days late" in text_of(nudges(bot)[-1])


def test_berlin_manager_and_new_york_rep_each_hear_at_nine_their_time(
    bot: RunningBot, cli_tick: Tick
) -> None:
    """Each message follows its reader's clock: 09:00 in Berlin is 08:00 UTC, 09:00 in New
    York 14:00 UTC (December: no summer time in either)."""
    bot.fake.add_user(MANAGER, tz=BERLIN)
    teams.assign_reps(bot.db, TEAM, MANAGER, [REP])
    promise_cmd(bot, "Pilot report to [Acme] by 2026-12-15", REP)  # REP is in New York

    cli_tick("2026-12-14T08:00:00Z")  # the manager's 09:00: nothing broken, and 03:00 for the rep
    assert (reminders(bot), nudges(bot)) == ([], [])
    cli_tick("2026-12-14T13:59:00Z")
    assert reminders(bot) == []
    cli_tick("2026-12-14T14:00:00Z")
    assert len(reminders(bot)) == 1

    cli_tick("2026-12-16T07:59:00Z")  # broken since midnight in New York; 08:59 in Berlin
    assert only_promise(bot).status == BROKEN
    assert nudges(bot) == []
    cli_tick("2026-12-16T08:00:00Z")
    [nudge] = nudges(bot)
    assert "Pilot report" in text_of(nudge) and "1 day late" in text_of(nudge)
    cli_tick("2026-12-16T14:00:00Z")  # the rep's 09:00 is no second nudge
    assert len(nudges(bot)) == 1 and len(reminders(bot)) == 1


def test_got_it_takes_a_promise_out_of_the_next_nudge(bot: RunningBot, cli_tick: Tick) -> None:
    teams.assign_reps(bot.db, TEAM, MANAGER, [REP])
    promise_cmd(bot, "Pilot report to [Acme] by 2026-12-15", REP)
    cli_tick("2026-12-16T14:00:00Z")
    promise = only_promise(bot)

    _, url = bot.slack.block_action("promise_seen", str(promise.id), user=OTHER_REP)
    refusal = bot.fake.wait_for("response_url", where=lambda a: url.endswith(a["_response_id"]))
    assert "outside your team" in refusal[-1]["text"]
    bot.slack.block_action("promise_remind_rep", str(promise.id), user=MANAGER)
    [ask] = bot.fake.wait_for("chat.postMessage", where=lambda a: "asked about" in a["text"])
    assert ask["channel"] == REP
    _, url = bot.slack.block_action("promise_seen", str(promise.id), user=MANAGER)
    bot.fake.wait_for("response_url", where=lambda a: url.endswith(a["_response_id"]))

    cli_tick("2026-12-17T14:00:00Z")
    assert len(nudges(bot)) == 1


def test_nudge_lists_broken_then_at_risk_promises_from_one_query(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The 09:00 tick composes a nudge per manager: one query gives both lists."""
    teams.assign_reps(bot.db, TEAM, MANAGER, [REP, OTHER_REP])
    add_rollout(bot, "sso", date(2027, 1, 10))
    promise_cmd(bot, "SSO to [Hooli] by 2026-12-15 needs:sso", OTHER_REP)
    promise_cmd(bot, "Pilot report to [Acme] by 2026-12-16", REP)
    broken = next(p for p in all_promises(bot) if p.account == "Acme")
    promise_cmd(bot, f"broken {broken.id} legal said no", REP)
    queries: list[tuple] = []
    needing_attention = store.needing_attention
    monkeypatch.setattr(
        store, "needing_attention", lambda *args: queries.append(args) or needing_attention(*args)
    )

    blocks = compose_nudge(bot.services, TEAM, MANAGER, bot.clock())

    shown = json.dumps(blocks, ensure_ascii=False)
    order = ["Your team today", "Broken commitments", "Acme", "At risk", "Hooli"]
    assert [shown.index(text) for text in order] == sorted(shown.index(text) for text in order)
    assert len(queries) == 1


def test_rep_on_vacation_is_not_reminded_but_the_manager_still_hears(
    bot: RunningBot, cli_tick: Tick
) -> None:
    bot.fake.add_user(REP, status_text="On vacation", status_emoji=":palm_tree:")
    teams.assign_reps(bot.db, TEAM, MANAGER, [REP])
    promise_cmd(bot, "Pilot report to [Acme] by 2026-12-15", REP)
    cli_tick("2026-12-14T14:00:00Z")
    cli_tick("2026-12-15T14:00:00Z")
    assert reminders(bot) == []
    cli_tick("2026-12-16T14:00:00Z")
    assert "Pilot report" in text_of(nudges(bot)[0])


def test_reminder_waits_for_a_rep_back_from_vacation_before_the_due_day(
    bot: RunningBot, cli_tick: Tick
) -> None:
    bot.fake.add_user(REP, status_text="OOO until Tuesday")
    promise_cmd(bot, "Pilot report to [Acme] by 2026-12-15", REP)
    cli_tick("2026-12-14T14:00:00Z")
    assert reminders(bot) == []
    bot.fake.add_user(REP)  # status cleared
    cli_tick("2026-12-14T18:00:00Z")
    assert len(reminders(bot)) == 1


def test_more_away_reps_than_one_batch_do_not_hold_back_a_present_reps_reminder(
    bot: RunningBot, cli_tick: Tick, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reminder_job, "BATCH", 2)
    away = [f"U0AWAY000{i}" for i in range(5)]
    for rep in away:
        bot.fake.add_user(rep, status_text="On vacation", status_emoji=":palm_tree:")
        promise_cmd(bot, f"Pilot report {rep} to [Acme] by 2026-12-14", rep)  # reminded earlier
    promise_cmd(bot, "Roadmap call with [Hooli] by 2026-12-15", REP)

    cli_tick("2026-12-14T14:00:00Z")
    [reminder] = reminders(bot)
    assert reminder["channel"] == REP
    looked_at_again = {p.remind_at for p in all_promises(bot) if p.owner_id in away}
    assert looked_at_again == {datetime(2026, 12, 14, 15, 0, tzinfo=UTC)}  # 10:00 in New York


def test_away_reps_reminder_is_looked_at_again_in_their_working_day_and_never_at_night(
    bot: RunningBot, cli_tick: Tick
) -> None:
    bot.fake.add_user(REP, status_text="OOO this week")
    promise_cmd(bot, "Pilot report to [Acme] by 2026-12-15", REP)  # REP is in New York
    cli_tick("2026-12-14T14:00:00Z")  # 09:00: away, look again at 10:00
    assert only_promise(bot).remind_at == datetime(2026, 12, 14, 15, 0, tzinfo=UTC)
    cli_tick("2026-12-14T22:30:00Z")  # 17:30: the next look is 09:00 tomorrow, not 18:30
    assert only_promise(bot).remind_at == datetime(2026, 12, 15, 14, 0, tzinfo=UTC)

    bot.fake.add_user(REP)  # back late in the evening
    cli_tick("2026-12-15T03:00:00Z")  # 22:00
    assert reminders(bot) == []
    cli_tick("2026-12-15T14:00:00Z")
    [reminder] = reminders(bot)
    assert "is due today" in reminder["text"]


def test_away_reps_reminder_is_dropped_when_the_next_look_is_after_the_due_day(
    bot: RunningBot, cli_tick: Tick
) -> None:
    bot.fake.add_user(REP, status_text="OOO this week")
    promise_cmd(bot, "Pilot report to [Acme] by 2026-12-15", REP)
    cli_tick("2026-12-15T22:30:00Z")  # 17:30 on the due day: 09:00 tomorrow is too late
    assert only_promise(bot).remind_at is None
    bot.fake.add_user(REP)
    cli_tick("2026-12-15T23:00:00Z")
    assert reminders(bot) == []


def test_snoozed_promise_gets_no_reminder(bot: RunningBot, cli_tick: Tick) -> None:
    promise_cmd(bot, "Pilot report to [Acme] by 2026-12-15", REP)
    promise_cmd(bot, f"snooze {only_promise(bot).id}", REP)
    cli_tick("2026-12-14T14:00:00Z")
    assert reminders(bot) == []


def test_reminder_snoozed_to_a_day_comes_that_day_at_nine(bot: RunningBot, cli_tick: Tick) -> None:
    promise_cmd(bot, "Pilot report to [Acme] by 2026-12-15", REP)
    promise_cmd(bot, f"snooze {only_promise(bot).id} 2026-12-11", REP)
    cli_tick("2026-12-11T13:59:00Z")
    assert reminders(bot) == []
    cli_tick("2026-12-11T14:00:00Z")
    cli_tick("2026-12-14T14:00:00Z")
    [reminder] = reminders(bot)
    assert "due in 4 days" in reminder["text"]


@pytest.mark.parametrize("status", [429, 500])
def test_failed_reminder_is_sent_once_on_a_later_tick(
    bot: RunningBot, cli_tick: Tick, status: int
) -> None:
    promise_cmd(bot, "Pilot report to [Acme] by 2026-12-15", REP)
    bot.fake.fail_next(
        "chat.postMessage",
        status=status,
        error="ratelimited" if status == 429 else "internal_error",
    )
    cli_tick("2026-12-14T14:00:00Z")
    assert reminders(bot) == []
    failed = [c for c in bot.fake.calls if c.method == "chat.postMessage" and not c.ok]
    assert len(failed) == 1
    cli_tick("2026-12-14T14:01:00Z")
    cli_tick("2026-12-14T14:02:00Z")
    assert len(reminders(bot)) == 1


def test_nudge_send_command_sends_now_and_the_nine_oclock_tick_does_not_repeat_it(
    bot: RunningBot, cli_tick: Tick, capsys: pytest.CaptureFixture[str]
) -> None:
    teams.assign_reps(bot.db, TEAM, MANAGER, [REP])
    promise_cmd(bot, "Pilot report to [Acme] by 2026-12-15", REP)
    promise_cmd(bot, f"broken {only_promise(bot).id} legal said no", REP)
    assert main(["nudge", "send"]) == 0  # cli_tick set the environment up
    assert "sent 1 manager nudge" in capsys.readouterr().out
    assert "legal said no" in text_of(nudges(bot)[0])
    # The nudge was claimed for the manager's today, whatever the hour: later that day
    # (New York time), the 09:00 rule would fire, but the claim keeps it from repeating.
    late_today = datetime.now(ZoneInfo("America/New_York")).replace(hour=23, minute=59)
    cli_tick(late_today.astimezone(UTC).isoformat())
    assert len(nudges(bot)) == 1


def test_three_concurrent_ticks_send_each_reminder_and_nudge_once(bot: RunningBot) -> None:
    teams.assign_reps(bot.db, TEAM, MANAGER, [REP])
    teams.assign_reps(bot.db, TEAM, SECOND_MANAGER, [OTHER_REP])
    bot.fake.add_user(SECOND_MANAGER)
    for i in range(8):
        promise_cmd(bot, f"Due soon {i} to [Acme] by 2026-11-26", REP if i % 2 else OTHER_REP)
    promise_cmd(bot, "Already late to [Hooli] by 2026-11-24", REP)
    promise_cmd(bot, "Also late to [Initech] by 2026-11-24", OTHER_REP)
    now = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)  # 09:00 in New York on the 25th

    bot.clock.set(now)
    tick_concurrently(bot.services, now)

    sent = [a["text"] for a in reminders(bot)]
    assert len(sent) == 8 and len(set(sent)) == 8
    assert len(nudges(bot)) == 1 and len(nudges(bot, SECOND_MANAGER)) == 1
    broken = [p for p in all_promises(bot) if p.status == BROKEN]
    assert {p.text for p in broken} == {"Already late", "Also late"}
    for promise in broken:
        assert [e.kind for e in store.events_of(bot.db, promise.id)] == ["broken"]


@pytest.mark.parametrize(
    ("text", "emoji", "expires", "away"),
    [
        ("Vacationing", "", 0, True),
        ("", ":palm_tree:", 0, True),
        ("Out of office until Monday", "", 0, True),
        ("PTO", "", 0, True),
        ("In a meeting", ":calendar:", 0, False),
        ("On vacation", ":palm_tree:", int(EVENING_UTC.timestamp()) - 60, False),  # expired
        ("On vacation", ":palm_tree:", int(EVENING_UTC.timestamp()) + 60, True),
    ],
)
def test_vacation_and_out_of_office_statuses_are_recognised(
    text: str, emoji: str, expires: int, away: bool
) -> None:
    person = Person(
        REP, "UTC", False, status_text=text, status_emoji=emoji, status_expiration=expires
    )
    assert is_away(person, EVENING_UTC) is away


def test_three_tick_processes_at_once_send_each_reminder_and_nudge_once(
    bot: RunningBot, cli_tick: Tick
) -> None:
    """The same as above with real `perspective tick` processes (cli_tick set the environment)."""
    teams.assign_reps(bot.db, TEAM, MANAGER, [REP])
    for i in range(6):
        promise_cmd(bot, f"Due soon {i} to [Acme] by 2026-11-26", REP)
    promise_cmd(bot, "Already late to [Hooli] by 2026-11-24", REP)
    command = [sys.executable, "-m", "bot.runtime.cli", "tick", "--now", "2026-11-25T14:00:00Z"]
    processes = [
        subprocess.Popen(
            command, env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(3)
    ]
    for process in processes:
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr.decode()[-2000:]

    sent = [a["text"] for a in reminders(bot)]
    assert len(sent) == 6 and len(set(sent)) == 6
    assert len(nudges(bot)) == 1
    [late] = [p for p in all_promises(bot) if p.status == BROKEN]
    assert [e.kind for e in store.events_of(bot.db, late.id)] == ["broken"]
