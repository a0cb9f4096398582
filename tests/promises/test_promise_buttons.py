"""Promise buttons in messages and App Home: kept, more time, broken, someone else's."""

from __future__ import annotations

import json
from datetime import date

from storage import promises as store
from storage import teams
from storage.promises import BROKEN, KEPT, OPEN
from tests.support.bot import MANAGER, OTHER_REP, REP, TEAM, RunningBot
from tests.support.messages import text_of, view_of
from tests.support.promises import (
    all_promises,
    only_promise,
    promise_cmd,
    reminder_message,
)


def test_kept_button_updates_the_message_so_it_cannot_be_pressed_into_another_state(
    bot: RunningBot,
) -> None:
    promise_cmd(bot, "Pilot report to [Acme] by 2026-12-10", REP)
    promise = only_promise(bot)
    channel, ts = reminder_message(bot)

    bot.slack.block_action("promise_kept", str(promise.id), channel=channel, message_ts=ts)
    [update] = bot.fake.wait_for("chat.update")
    assert (update["channel"], update["ts"]) == (channel, ts)
    assert "kept" in text_of(update) and "promise_broken" not in text_of(update)
    assert only_promise(bot).status == KEPT

    _, response_url = bot.slack.block_action(
        "promise_broken", str(promise.id), channel=channel, message_ts=ts
    )
    refusal = bot.fake.wait_for(
        "response_url", where=lambda a: response_url.endswith(a["_response_id"])
    )
    assert "already marked kept" in refusal[-1]["text"]
    assert bot.fake.calls_to("views.open") == []
    assert only_promise(bot).status == KEPT


def test_need_more_time_opens_a_date_picker_and_moves_the_promise(bot: RunningBot) -> None:
    promise_cmd(bot, "Pilot report to [Acme] by 2026-12-10", REP)
    promise = only_promise(bot)
    channel, ts = reminder_message(bot)

    bot.slack.block_action("promise_more_time", str(promise.id), channel=channel, message_ts=ts)
    view = view_of(bot.fake.wait_for("views.open")[0])
    assert view["callback_id"] == "promise_move_modal"
    assert any(b.get("element", {}).get("type") == "datepicker" for b in view["blocks"])

    past = bot.slack.view_submission(
        "promise_move_modal",
        {"due": {"type": "datepicker", "selected_date": "2026-11-01"}},
        private_metadata=view["private_metadata"],
    )
    assert "in the past" in past.json()["errors"]["due"]
    assert only_promise(bot).due_on == date(2026, 12, 10)

    reply = bot.slack.view_submission(
        "promise_move_modal",
        {"due": {"type": "datepicker", "selected_date": "2027-01-08"}},
        private_metadata=view["private_metadata"],
    )
    assert reply.status == 200
    [update] = bot.fake.wait_for("chat.update")
    assert (update["channel"], update["ts"]) == (channel, ts)
    assert "Fri 8 Jan 2027" in text_of(update)
    assert only_promise(bot).due_on == date(2027, 1, 8)
    assert len(store.due_date_history(bot.db, promise.id)) == 1


def test_broken_button_asks_why_in_a_modal(bot: RunningBot) -> None:
    promise_cmd(bot, "Pilot report to [Acme] by 2026-12-10", REP)
    promise = only_promise(bot)
    channel, ts = reminder_message(bot)
    bot.slack.block_action("promise_broken", str(promise.id), channel=channel, message_ts=ts)
    view = view_of(bot.fake.wait_for("views.open")[0])
    assert view["callback_id"] == "promise_broken_modal"

    blank = bot.slack.view_submission(
        "promise_broken_modal", {"why": "   "}, private_metadata=view["private_metadata"]
    )
    assert blank.json()["response_action"] == "errors"
    assert only_promise(bot).status == OPEN

    bot.slack.view_submission(
        "promise_broken_modal",
        {"why": "Customer <!channel> froze budget"},
        private_metadata=view["private_metadata"],
    )
    [update] = bot.fake.wait_for("chat.update")
    assert "broken" in text_of(update)
    broken = only_promise(bot)
    assert (broken.status, broken.broken_reason) == (BROKEN, "Customer <!channel> froze budget")


def test_someone_elses_button_press_is_refused(bot: RunningBot) -> None:
    promise_cmd(bot, "Pilot report to [Acme] by 2026-12-10", REP)
    promise = only_promise(bot)
    _, response_url = bot.slack.block_action("promise_kept", str(promise.id), user=OTHER_REP)
    refusal = bot.fake.wait_for(
        "response_url", where=lambda a: response_url.endswith(a["_response_id"])
    )
    assert "only its owner or an admin" in refusal[-1]["text"]
    assert only_promise(bot).status == OPEN


def test_app_home_lists_my_open_promises_and_my_teams_trouble(bot: RunningBot) -> None:
    promise_cmd(bot, "Pilot report to [Acme] by 2026-12-10", REP)
    promise_cmd(bot, "Price sheet to [Hooli] by 2026-12-11", REP)
    broken = next(p for p in all_promises(bot) if p.account == "Hooli")
    promise_cmd(bot, f"broken {broken.id} pricing changed", REP)
    teams.assign_reps(bot.db, TEAM, MANAGER, [REP])

    bot.slack.event({"type": "app_home_opened", "user": REP, "tab": "home", "channel": "D0REP"})
    home = text_of({"blocks": view_of(bot.fake.wait_for("views.publish")[0])["blocks"]})
    assert "My open promises" in home and "Pilot report" in home
    assert '"action_id": "promise_kept"' in home

    bot.slack.event({"type": "app_home_opened", "user": MANAGER, "tab": "home", "channel": "D0MGR"})
    published = bot.fake.wait_for("views.publish", 2)[-1]
    manager_home = text_of({"blocks": view_of(published)["blocks"]})
    assert "broken and at-risk" in manager_home and "Price sheet" in manager_home
    assert "pricing changed" in manager_home and '"action_id": "promise_seen"' in manager_home


def test_kept_pressed_in_app_home_republishes_it(bot: RunningBot) -> None:
    promise_cmd(bot, "Pilot report to [Acme] by 2026-12-10", REP)
    promise = only_promise(bot)
    bot.slack.block_action("promise_kept", str(promise.id), view={"id": "V123", "type": "home"})
    [published] = bot.fake.wait_for("views.publish")
    assert "Pilot report" not in json.dumps(view_of(published)["blocks"])
    assert only_promise(bot).status == KEPT
