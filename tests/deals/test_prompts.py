"""Each prompt, reminder and escalation sent exactly once: retries, ticks, concurrency."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.runtime.scheduler import run_tick
from storage import teams
from tests.support.bot import (
    MANAGER,
    REP,
    TEAM,
    RunningBot,
    tick_concurrently,
)
from tests.support.deals import (
    ACME,
    only_closure,
    prompted_closure,
    prompts_to,
    send_deal,
    settle,
    shown,
    submit_answer,
    thread_replies,
)

# ---- exactly once: retries, reminders, concurrency ---------------------------------------


def test_failed_prompt_is_sent_once_by_a_later_tick(bot: RunningBot) -> None:
    bot.fake.fail_next("chat.postMessage", status=429)
    assert send_deal(bot, ACME).status == 200
    settle(bot)
    assert prompts_to(bot, REP) == []
    run_tick(bot.services, bot.clock.advance(minutes=1))
    run_tick(bot.services, bot.clock.advance(minutes=1))
    assert len(prompts_to(bot, REP)) == 1


def test_reminders_come_in_the_thread_at_24_and_72_hours_then_the_managers_nudge_lists_it(
    bot: RunningBot,
) -> None:
    teams.assign_reps(bot.db, TEAM, MANAGER, [REP])
    closure = prompted_closure(bot)
    start = bot.clock.now

    run_tick(bot.services, start + timedelta(hours=23, minutes=59))
    assert thread_replies(bot) == []
    run_tick(bot.services, start + timedelta(hours=24))
    run_tick(bot.services, start + timedelta(hours=25))
    [first] = thread_replies(bot)
    assert (first["channel"], first["thread_ts"]) == (closure.prompt_channel, closure.prompt_ts)
    assert first["reply_broadcast"] in (True, "true", "1")  # shown in the DM too: it notifies
    assert "friendly reminder" in first["text"] and "Acme renewal" in first["text"]

    run_tick(bot.services, start + timedelta(hours=72))
    run_tick(bot.services, start + timedelta(hours=80))
    assert len(thread_replies(bot)) == 2
    assert "Last reminder" in thread_replies(bot)[1]["text"]
    assert prompts_to(bot, MANAGER) == []

    run_tick(bot.services, start + timedelta(hours=96))
    run_tick(bot.services, start + timedelta(hours=120))
    daily_nudges = prompts_to(bot, MANAGER)
    assert len(daily_nudges) == 2, "one DM on each of the two mornings that followed, no other"
    for nudge in daily_nudges:
        assert "Acme renewal" in shown(nudge), "the daily nudge lists it until it is answered"
        assert f"<@{REP}>" in shown(nudge) and "Remind them" in shown(nudge)
    assert len(thread_replies(bot)) == 2 and len(prompts_to(bot, REP)) == 1
    escalated = only_closure(bot)
    assert escalated.escalated_to == MANAGER


def test_late_first_reminder_still_leaves_a_day_before_the_second(bot: RunningBot) -> None:
    prompted_closure(bot)
    run_tick(bot.services, bot.clock.now + timedelta(days=5))
    assert len(thread_replies(bot)) == 1
    run_tick(bot.services, bot.clock.now + timedelta(days=6))
    assert len(thread_replies(bot)) == 2


def test_prompts_older_than_two_weeks_get_no_more_follow_ups(bot: RunningBot) -> None:
    prompted_closure(bot)
    run_tick(bot.services, bot.clock.now + timedelta(days=15))
    assert thread_replies(bot) == []


def test_three_concurrent_ticks_send_one_prompt_and_one_reminder_per_step(
    bot: RunningBot, database_url: str
) -> None:
    if bot.db.is_sqlite:
        pytest.skip("concurrent processes are a PostgreSQL deployment")
    bot.fake.fail_next("chat.postMessage", status=500, error="internal_error")
    teams.assign_reps(bot.db, TEAM, MANAGER, [REP])
    assert send_deal(bot, ACME).status == 200
    settle(bot)
    assert prompts_to(bot, REP) == []
    start = bot.clock.now

    def tick_together(at: timedelta) -> None:
        tick_concurrently(bot.services, start + at)

    for at in (timedelta(minutes=1), timedelta(minutes=2)):
        tick_together(at)
    assert len(prompts_to(bot, REP)) == 1
    prompted_at = only_closure(bot).prompted_at
    assert prompted_at is not None
    for hours in (24, 25, 72, 73, 96, 97):
        tick_together(prompted_at - start + timedelta(hours=hours))
    assert len(prompts_to(bot, REP)) == 1
    assert len(thread_replies(bot)) == 2
    assert only_closure(bot).escalated_to == MANAGER


def test_answered_prompt_gets_no_reminders(bot: RunningBot) -> None:
    closure = prompted_closure(bot)
    submit_answer(bot, closure.id, "price", competitor=None)
    bot.fake.wait_for("chat.update")
    for hours in (24, 72, 96):
        run_tick(bot.services, bot.clock.now + timedelta(hours=hours))
    assert thread_replies(bot) == []
