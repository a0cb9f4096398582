"""Scheduled promise work happens exactly once: a promise breaks once, and ticks run
together by three processes send each reminder and nudge once."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime

from storage import promises as store
from storage import teams
from storage.promises import BROKEN, OPEN
from tests.support.bot import MANAGER, OTHER_REP, REP, TEAM, RunningBot, Tick, tick_concurrently
from tests.support.messages import text_of
from tests.support.promises import (
    SECOND_MANAGER,
    all_promises,
    nudges,
    only_promise,
    promise_cmd,
    reminders,
)


def test_promise_past_its_due_date_becomes_broken_once(bot: RunningBot, tick: Tick) -> None:
    promise_cmd(bot, "Pilot report to [Acme] by 2026-12-15", REP)
    tick("2026-12-16T04:59:00Z")  # 23:59 on the 15th in New York
    assert only_promise(bot).status == OPEN
    tick("2026-12-16T05:00:00Z")
    tick("2026-12-16T05:01:00Z")
    promise = only_promise(bot)
    assert (promise.status, promise.broken_reason) == (BROKEN, None)
    assert [e.kind for e in store.events_of(bot.db, promise.id)] == ["broken"]
    # delivered late: the rep can still mark it kept
    assert "kept" in text_of(promise_cmd(bot, f"kept {promise.id}", REP))


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

    sent = reminders(bot)
    assert sorted(a["channel"] for a in sent) == sorted([REP, OTHER_REP]), "one DM a rep"
    shown = [text_of(a) for a in sent]
    for i in range(8):
        assert sum(f"Due soon {i}" in text for text in shown) == 1, "each promise once"
    assert len(nudges(bot)) == 1 and len(nudges(bot, SECOND_MANAGER)) == 1
    broken = [p for p in all_promises(bot) if p.status == BROKEN]
    assert {p.text for p in broken} == {"Already late", "Also late"}
    for promise in broken:
        assert [e.kind for e in store.events_of(bot.db, promise.id)] == ["broken"]


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

    [sent] = reminders(bot)  # one DM for the rep's six promises, from one of the processes
    assert sent["text"] == "Reminder: 6 of your promises are due soon"
    assert all(f"Due soon {i}" in text_of(sent) for i in range(6))
    assert len(nudges(bot)) == 1
    [late] = [p for p in all_promises(bot) if p.status == BROKEN]
    assert [e.kind for e in store.events_of(bot.db, late.id)] == ["broken"]
