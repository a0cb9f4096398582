"""Manager nudges at nine in the manager's zone, once a day: broken then at-risk promises,
the Got it and Remind buttons, and `perspective nudge send`."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.promises.nudges import compose_nudge
from bot.runtime.cli import main
from storage import promises as store
from storage import teams
from storage.promises import BROKEN
from tests.support.bot import MANAGER, OTHER_REP, REP, TEAM, RunningBot, Tick
from tests.support.messages import text_of
from tests.support.promises import (
    SECOND_MANAGER,
    add_rollout,
    all_promises,
    nudges,
    only_promise,
    promise_cmd,
    reminders,
)


def test_manager_nudge_at_nine_in_the_managers_zone_once_a_day(bot: RunningBot, tick: Tick) -> None:
    bot.fake.add_user(SECOND_MANAGER, tz="Europe/Berlin")
    teams.assign_reps(bot.db, TEAM, MANAGER, [REP])
    teams.assign_reps(bot.db, TEAM, SECOND_MANAGER, [OTHER_REP])
    promise_cmd(bot, "Pilot report to [Acme] by 2026-12-15", REP)
    promise_cmd(bot, "Roadmap call with [Hooli] by 2027-01-15", OTHER_REP)

    tick("2026-12-16T13:59:00Z")  # 08:59 in New York
    assert nudges(bot) == []
    tick("2026-12-16T14:00:00Z")
    tick("2026-12-16T20:00:00Z")
    [nudge] = nudges(bot)
    shown = text_of(nudge)
    assert "Broken commitments" in shown and "Pilot report" in shown and "Acme" in shown
    assert f"<@{REP}>" in shown and "1 day late" in shown
    assert "promise_remind_rep" in shown and "promise_seen" in shown
    assert nudges(bot, SECOND_MANAGER) == []  # nothing to say: no nudge

    tick("2026-12-17T14:00:00Z")
    assert len(nudges(bot)) == 2 and "2 days late" in text_of(nudges(bot)[-1])


def test_berlin_manager_and_new_york_rep_each_hear_at_nine_their_time(
    bot: RunningBot, tick: Tick
) -> None:
    """Each message follows its reader's clock: 09:00 in Berlin is 08:00 UTC, 09:00 in New
    York 14:00 UTC (December: no summer time in either)."""
    bot.fake.add_user(MANAGER, tz="Europe/Berlin")
    teams.assign_reps(bot.db, TEAM, MANAGER, [REP])
    promise_cmd(bot, "Pilot report to [Acme] by 2026-12-15", REP)  # REP is in New York

    tick("2026-12-14T08:00:00Z")  # the manager's 09:00: nothing broken, and 03:00 for the rep
    assert (reminders(bot), nudges(bot)) == ([], [])
    tick("2026-12-14T13:59:00Z")
    assert reminders(bot) == []
    tick("2026-12-14T14:00:00Z")
    assert len(reminders(bot)) == 1

    tick("2026-12-16T07:59:00Z")  # broken since midnight in New York; 08:59 in Berlin
    assert only_promise(bot).status == BROKEN
    assert nudges(bot) == []
    tick("2026-12-16T08:00:00Z")
    [nudge] = nudges(bot)
    assert "Pilot report" in text_of(nudge) and "1 day late" in text_of(nudge)
    tick("2026-12-16T14:00:00Z")  # the rep's 09:00 is no second nudge
    assert len(nudges(bot)) == 1 and len(reminders(bot)) == 1


def test_got_it_takes_a_promise_out_of_the_next_nudge(bot: RunningBot, tick: Tick) -> None:
    teams.assign_reps(bot.db, TEAM, MANAGER, [REP])
    promise_cmd(bot, "Pilot report to [Acme] by 2026-12-15", REP)
    tick("2026-12-16T14:00:00Z")
    promise = only_promise(bot)

    _, url = bot.slack.block_action("promise_seen", str(promise.id), user=OTHER_REP)
    refusal = bot.fake.wait_for("response_url", where=lambda a: url.endswith(a["_response_id"]))
    assert "outside your team" in refusal[-1]["text"]
    bot.slack.block_action("promise_remind_rep", str(promise.id), user=MANAGER)
    [ask] = bot.fake.wait_for("chat.postMessage", where=lambda a: "asked about" in a["text"])
    assert ask["channel"] == REP
    _, url = bot.slack.block_action("promise_seen", str(promise.id), user=MANAGER)
    bot.fake.wait_for("response_url", where=lambda a: url.endswith(a["_response_id"]))

    tick("2026-12-17T14:00:00Z")
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


def test_tick_dry_run_prints_the_nudge_and_sends_nothing_so_the_real_tick_still_does(
    bot: RunningBot, cli_tick: Tick, capsys: pytest.CaptureFixture[str]
) -> None:
    teams.assign_reps(bot.db, TEAM, MANAGER, [REP])
    promise_cmd(bot, "Pilot report to [Acme] by 2026-12-15", REP)

    assert main(["tick", "--now", "2026-12-16T14:00:00Z", "--dry-run"]) == 0
    printed = capsys.readouterr().out
    assert f"would chat.postMessage to {MANAGER}: Your team's broken" in printed
    assert "dry run: nothing was sent or changed" in printed
    assert nudges(bot) == [] and only_promise(bot).status != BROKEN  # nothing moved

    cli_tick("2026-12-16T14:00:00Z")
    [nudge] = nudges(bot)
    assert "Pilot report" in text_of(nudge) and only_promise(bot).status == BROKEN


def test_a_promise_broken_before_its_day_reads_as_broken_ahead_of_time(
    bot: RunningBot, tick: Tick
) -> None:
    teams.assign_reps(bot.db, TEAM, MANAGER, [REP])
    promise_cmd(bot, "Pilot report to [Acme] by 2026-12-15", REP)
    promise = only_promise(bot)
    promise_cmd(bot, f"broken {promise.id} the customer moved the go-live", REP)
    tick("2026-12-08T14:00:00Z")
    [nudge] = nudges(bot)
    shown = text_of(nudge)
    assert "due Tue 15 Dec 2026, marked broken ahead of time" in shown
    assert "not due yet" not in shown and "the customer moved the go-live" in shown
