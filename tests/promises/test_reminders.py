"""Reminders the day before at nine in the owner's zone, driven by scheduler ticks: not for
away or snoozed reps, and sent once even after a failed send."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.promises import reminders as reminder_job
from bot.promises.reminders import is_away
from bot.slack.directory import Person
from storage import teams
from tests.support.bot import MANAGER, REP, START, TEAM, RunningBot, Tick
from tests.support.messages import text_of
from tests.support.promises import (
    all_promises,
    dm_ref,
    nudges,
    only_promise,
    promise_cmd,
    reminders,
)


def test_reminder_goes_out_once_the_day_before_at_nine_in_the_owners_zone(
    bot: RunningBot, tick: Tick
) -> None:
    promise_cmd(bot, "Pilot report to [Acme] by 2026-12-15", REP)  # REP is in New York
    assert tick("2026-12-14T13:59:00Z") == 0
    assert reminders(bot) == []
    tick("2026-12-14T14:00:00Z")
    tick("2026-12-14T14:01:00Z")
    [reminder] = reminders(bot)
    assert reminder["channel"] == REP
    shown = text_of(reminder)
    assert "Pilot report" in shown and "Tue 15 Dec 2026" in shown
    for action in ("promise_kept", "promise_more_time", "promise_broken"):
        assert action in shown

    promise = only_promise(bot)
    channel, ts = dm_ref(bot, f"reminder:{promise.id}:2026-12-15")
    bot.slack.block_action("promise_kept", str(promise.id), channel=channel, message_ts=ts)
    [update] = bot.fake.wait_for("chat.update")
    assert update["ts"] == ts and "promise_kept" not in text_of(update)


def test_rep_on_vacation_is_not_reminded_but_the_manager_still_hears(
    bot: RunningBot, tick: Tick
) -> None:
    bot.fake.add_user(REP, status_text="On vacation", status_emoji=":palm_tree:")
    teams.assign_reps(bot.db, TEAM, MANAGER, [REP])
    promise_cmd(bot, "Pilot report to [Acme] by 2026-12-15", REP)
    tick("2026-12-14T14:00:00Z")
    tick("2026-12-15T14:00:00Z")
    assert reminders(bot) == []
    tick("2026-12-16T14:00:00Z")
    assert "Pilot report" in text_of(nudges(bot)[0])


def test_reminder_waits_for_a_rep_back_from_vacation_before_the_due_day(
    bot: RunningBot, tick: Tick
) -> None:
    bot.fake.add_user(REP, status_text="OOO until Tuesday")
    promise_cmd(bot, "Pilot report to [Acme] by 2026-12-15", REP)
    tick("2026-12-14T14:00:00Z")
    assert reminders(bot) == []
    bot.fake.add_user(REP)  # status cleared
    tick("2026-12-14T18:00:00Z")
    assert len(reminders(bot)) == 1


def test_more_away_reps_than_one_batch_do_not_hold_back_a_present_reps_reminder(
    bot: RunningBot, tick: Tick, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reminder_job, "BATCH", 2)
    away = [f"U0AWAY000{i}" for i in range(5)]
    for rep in away:
        bot.fake.add_user(rep, status_text="On vacation", status_emoji=":palm_tree:")
        promise_cmd(bot, f"Pilot report {rep} to [Acme] by 2026-12-14", rep)  # reminded earlier
    promise_cmd(bot, "Roadmap call with [Hooli] by 2026-12-15", REP)

    tick("2026-12-14T14:00:00Z")
    [reminder] = reminders(bot)
    assert reminder["channel"] == REP
    looked_at_again = {p.remind_at for p in all_promises(bot) if p.owner_id in away}
    assert looked_at_again == {datetime(2026, 12, 14, 15, 0, tzinfo=UTC)}  # 10:00 in New York


def test_away_reps_reminder_is_looked_at_again_in_their_working_day_and_never_at_night(
    bot: RunningBot, tick: Tick
) -> None:
    bot.fake.add_user(REP, status_text="OOO this week")
    promise_cmd(bot, "Pilot report to [Acme] by 2026-12-15", REP)  # REP is in New York
    tick("2026-12-14T14:00:00Z")  # 09:00: away, look again at 10:00
    assert only_promise(bot).remind_at == datetime(2026, 12, 14, 15, 0, tzinfo=UTC)
    tick("2026-12-14T22:30:00Z")  # 17:30: the next look is 09:00 tomorrow, not 18:30
    assert only_promise(bot).remind_at == datetime(2026, 12, 15, 14, 0, tzinfo=UTC)

    bot.fake.add_user(REP)  # back late in the evening
    tick("2026-12-15T03:00:00Z")  # 22:00
    assert reminders(bot) == []
    tick("2026-12-15T14:00:00Z")
    [reminder] = reminders(bot)
    assert "is due today" in reminder["text"]


def test_away_reps_reminder_is_dropped_when_the_next_look_is_after_the_due_day(
    bot: RunningBot, tick: Tick
) -> None:
    bot.fake.add_user(REP, status_text="OOO this week")
    promise_cmd(bot, "Pilot report to [Acme] by 2026-12-15", REP)
    tick("2026-12-15T22:30:00Z")  # 17:30 on the due day: 09:00 tomorrow is too late
    assert only_promise(bot).remind_at is None
    bot.fake.add_user(REP)
    tick("2026-12-15T23:00:00Z")
    assert reminders(bot) == []


def test_snoozed_promise_gets_no_reminder(bot: RunningBot, tick: Tick) -> None:
    promise_cmd(bot, "Pilot report to [Acme] by 2026-12-15", REP)
    promise_cmd(bot, f"snooze {only_promise(bot).id}", REP)
    tick("2026-12-14T14:00:00Z")
    assert reminders(bot) == []


def test_reminder_snoozed_to_a_day_comes_that_day_at_nine(bot: RunningBot, tick: Tick) -> None:
    promise_cmd(bot, "Pilot report to [Acme] by 2026-12-15", REP)
    promise_cmd(bot, f"snooze {only_promise(bot).id} 2026-12-11", REP)
    tick("2026-12-11T13:59:00Z")
    assert reminders(bot) == []
    tick("2026-12-11T14:00:00Z")
    tick("2026-12-14T14:00:00Z")
    [reminder] = reminders(bot)
    assert "due in 4 days" in reminder["text"]


@pytest.mark.parametrize("status", [429, 500])
def test_failed_reminder_is_sent_once_on_a_later_tick(
    bot: RunningBot, tick: Tick, status: int
) -> None:
    promise_cmd(bot, "Pilot report to [Acme] by 2026-12-15", REP)
    bot.fake.fail_next(
        "chat.postMessage",
        status=status,
        error="ratelimited" if status == 429 else "internal_error",
    )
    tick("2026-12-14T14:00:00Z")
    assert reminders(bot) == []
    failed = [c for c in bot.fake.calls if c.method == "chat.postMessage" and not c.ok]
    assert len(failed) == 1
    tick("2026-12-14T14:01:00Z")
    tick("2026-12-14T14:02:00Z")
    assert len(reminders(bot)) == 1


@pytest.mark.parametrize(
    ("text", "emoji", "expires", "away"),
    [
        ("Vacationing", "", 0, True),
        ("", ":palm_tree:", 0, True),
        ("Out of office until Monday", "", 0, True),
        ("PTO", "", 0, True),
        ("In a meeting", ":calendar:", 0, False),
        ("On vacation", ":palm_tree:", int(START.timestamp()) - 60, False),  # expired
        ("On vacation", ":palm_tree:", int(START.timestamp()) + 60, True),
    ],
)
def test_vacation_and_out_of_office_statuses_are_recognised(
    text: str, emoji: str, expires: int, away: bool
) -> None:
    person = Person(
        REP, "UTC", False, status_text=text, status_emoji=emoji, status_expiration=expires
    )
    assert is_away(person, START) is away


def test_two_promises_due_tomorrow_come_in_one_reminder_each_with_its_own_buttons(
    bot: RunningBot, tick: Tick
) -> None:
    promise_cmd(bot, "Pilot report to [Acme] by 2026-12-15", REP)
    promise_cmd(bot, "Pricing sheet to [Hooli] by 2026-12-15", REP)
    tick("2026-12-14T14:00:00Z")
    [reminder] = reminders(bot)
    assert reminder["text"] == "Reminder: 2 of your promises are due soon"
    assert "Pilot report" in text_of(reminder) and "Pricing sheet" in text_of(reminder)
    pilot, pricing = sorted(all_promises(bot), key=lambda p: p.id)
    channel, ts = dm_ref(bot, f"reminder:{pilot.id}:2026-12-15")
    assert dm_ref(bot, f"reminder:{pricing.id}:2026-12-15") == (channel, ts)

    blocks = (
        json.loads(reminder["blocks"])
        if isinstance(reminder["blocks"], str)
        else reminder["blocks"]
    )
    bot.slack.block_action(
        "promise_kept", str(pilot.id), channel=channel, message_ts=ts, message_blocks=blocks
    )
    [update] = bot.fake.wait_for("chat.update")
    shown = text_of(update)
    assert "Marked *kept*" in shown and "Pricing sheet" in shown
    assert f'"value": "{pricing.id}"' in shown and f'"value": "{pilot.id}"' not in shown

    tick("2026-12-14T14:01:00Z")
    assert len(reminders(bot)) == 1, "each promise reminded once"
