"""/promise end to end: commands, buttons and modals through signed requests and the fake Slack."""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import event

from bot.promises.blocks import Origin
from bot.runtime.cli import main
from storage import promises as store
from storage import teams
from storage.db import Database
from storage.promises import BROKEN, KEPT, OPEN
from tests.support.bot import ADMIN, MANAGER, OTHER_REP, REP, TEAM, RunningBot
from tests.support.messages import text_of, view_of
from tests.support.promises import add_rollout, all_promises, only_promise, promise_cmd


def test_promise_with_account_and_rollout_is_saved_and_confirmed_with_weekday(
    bot: RunningBot,
) -> None:
    add_rollout(bot, "sso", date(2026, 12, 1))
    message = promise_cmd(bot, "SSO support to [Acme Corp] by 2026-12-15 needs:sso", REP)

    promise = only_promise(bot)
    assert (promise.owner_id, promise.account, promise.text) == (REP, "Acme Corp", "SSO support")
    assert (promise.due_on, promise.rollout_key, promise.status) == (
        date(2026, 12, 15),
        "sso",
        OPEN,
    )
    assert promise.at_risk is False
    shown = text_of(message)
    assert message["response_type"] == "ephemeral"
    assert "Tuesday 15 December 2026" in shown and f"#{promise.id}" in shown
    assert "Acme Corp" in shown and "`sso`" in shown


def test_customer_and_rollout_may_stand_anywhere_in_the_text(bot: RunningBot) -> None:
    add_rollout(bot, "sso", date(2026, 12, 1))
    promise_cmd(bot, "needs:sso SSO support by 2026-12-15 to [Acme Corp]", REP)
    promise = only_promise(bot)
    assert (promise.text, promise.account, promise.due_on) == (
        "SSO support",
        "Acme Corp",
        date(2026, 12, 15),
    )
    assert promise.rollout_key == "sso"


def test_promise_needing_a_later_rollout_is_at_risk_from_the_start(bot: RunningBot) -> None:
    add_rollout(bot, "sso", date(2027, 1, 10))
    shown = text_of(promise_cmd(bot, "SSO to [Acme] by 2026-12-15 needs:sso", REP))
    assert only_promise(bot).at_risk is True
    assert "at risk" in shown
    [event] = store.events_of(bot.db, only_promise(bot).id)
    assert event.kind == "at_risk"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SSO support to [Acme] by 2026-11-01", "in the past"),
        ("SSO support to [Acme] on friday", "Add `by <date>`"),
        ("SSO support to [Acme] by 2026-12-15 needs:nope", "There is no rollout `nope`"),
        ("SSO support to [Acme] by the blue moon", "couldn't read `the blue moon` as a date"),
        ("to [Acme] by friday", "What did you promise?"),
        ("SSO support to [Acme by friday", "square brackets"),
        ("SSO to [] by friday", "brackets are empty"),
        ("lsit", "Did you mean `/promise list`"),
        ("kept twelve", "by its number"),
        ("broken 3", "Say why it broke"),
        ("move 3", "Say the new date"),
        ("kept 999", "no promise #999"),
        ("SSO x by friday needs:a needs:b", "one rollout"),
    ],
)
def test_bad_input_gets_a_correct_example_and_stores_nothing(
    bot: RunningBot, text: str, expected: str
) -> None:
    message = promise_cmd(bot, text, REP)
    assert expected in message["text"]
    assert message["response_type"] == "ephemeral"
    assert all_promises(bot) == []


def test_refusals_for_dates_show_a_working_example(bot: RunningBot) -> None:
    shown = promise_cmd(bot, "SSO to [Acme] by someday", REP)["text"]
    assert "/promise SSO support to [Acme Corp] by 2026-12-15 needs:sso" in shown
    assert "`end of month`" in shown


def test_list_shows_open_promises_first_by_due_date_with_buttons(bot: RunningBot) -> None:
    promise_cmd(bot, "Late one to [Initech] by 2027-01-20", REP)
    promise_cmd(bot, "Soon one to [Acme] by 2026-12-01", REP)
    promise_cmd(bot, "Done one to [Hooli] by 2026-12-05", REP)
    promise_cmd(bot, "Not mine to [Globex] by 2026-12-02", OTHER_REP)
    kept = next(p for p in all_promises(bot) if p.text == "Done one")
    promise_cmd(bot, f"kept {kept.id}", REP)

    shown = text_of(promise_cmd(bot, "list", REP))
    assert shown.index("Soon one") < shown.index("Late one") < shown.index("Done one")
    assert "Not mine" not in shown
    assert shown.count('"action_id": "promise_kept"') == 2


def test_kept_broken_and_move_change_the_promise_and_keep_history(bot: RunningBot) -> None:
    promise_cmd(bot, "Pilot report to [Acme] by 2026-12-10", REP)
    promise = only_promise(bot)

    moved = text_of(promise_cmd(bot, f"move {promise.id} 2026-12-18", REP))
    assert "Friday 18 December 2026" in moved and "2026-12-10 → 2026-12-18" in moved
    promise_cmd(bot, f"move {promise.id} in 4 weeks", REP)
    history = store.due_date_history(bot.db, promise.id)
    assert [(h.old_due_on, h.new_due_on) for h in history] == [
        (date(2026, 12, 10), date(2026, 12, 18)),
        (date(2026, 12, 18), date(2026, 12, 21)),
    ]

    assert "broken" in text_of(promise_cmd(bot, f"broken {promise.id} legal blocked it", REP))
    broken = only_promise(bot)
    assert (broken.status, broken.broken_reason) == (BROKEN, "legal blocked it")
    assert "already marked broken" in promise_cmd(bot, f"kept {promise.id}", REP)["text"]
    kinds = [e.kind for e in store.events_of(bot.db, promise.id)]
    assert kinds == ["moved", "moved", "broken"]


def test_moving_a_promise_before_its_rollout_puts_it_at_risk(bot: RunningBot) -> None:
    add_rollout(bot, "sso", date(2026, 12, 20))
    promise_cmd(bot, "SSO to [Acme] by 2026-12-22 needs:sso", REP)
    promise = only_promise(bot)
    assert promise.at_risk is False
    promise_cmd(bot, f"move {promise.id} 2026-12-18", REP)
    assert only_promise(bot).at_risk is True
    promise_cmd(bot, f"move {promise.id} 2026-12-21", REP)
    assert only_promise(bot).at_risk is False
    kinds = [e.kind for e in store.events_of(bot.db, promise.id)]
    assert kinds == ["moved", "at_risk", "moved", "risk_cleared"]


def test_only_the_owner_or_an_admin_changes_a_promise(bot: RunningBot) -> None:
    promise_cmd(bot, "Pilot report to [Acme] by 2026-12-10", REP)
    promise = only_promise(bot)
    refusal = promise_cmd(bot, f"kept {promise.id}", OTHER_REP)["text"]
    assert "only its owner or an admin" in refusal
    assert only_promise(bot).status == OPEN
    promise_cmd(bot, f"kept {promise.id}", ADMIN)
    assert only_promise(bot).status == KEPT
    assert [e.kind for e in store.events_of(bot.db, promise.id)] == ["kept"]
    assert "already marked kept" in promise_cmd(bot, f"kept {promise.id}", REP)["text"]


def test_snooze_turns_the_reminder_off_or_moves_it(bot: RunningBot) -> None:
    promise_cmd(bot, "Pilot report to [Acme] by 2026-12-10", REP)
    promise = only_promise(bot)
    assert promise.remind_at is not None
    assert "No reminder" in promise_cmd(bot, f"snooze {promise.id}", REP)["text"]
    snoozed = only_promise(bot)
    assert (snoozed.snoozed, snoozed.remind_at) == (True, None)

    shown = promise_cmd(bot, f"snooze {promise.id} 2026-12-07", REP)["text"]
    assert "Monday 07 December at 09:00" in shown
    assert only_promise(bot).remind_at.isoformat() == "2026-12-07T14:00:00+00:00"
    assert (
        "after the promise is due"
        in promise_cmd(bot, f"snooze {promise.id} 2026-12-20", REP)["text"]
    )
    promise_cmd(bot, f"snooze {promise.id}", REP)
    promise_cmd(bot, f"move {promise.id} 2026-12-17", REP)  # a new date: reminders come back
    moved = only_promise(bot)
    assert (moved.snoozed, moved.remind_at.isoformat()) == (False, "2026-12-16T14:00:00+00:00")


def test_help_explains_every_subcommand_and_date_phrase(bot: RunningBot) -> None:
    shown = promise_cmd(bot, "help", REP)["text"]
    for word in ("list", "kept", "broken", "move", "snooze", "needs:", "end of quarter", "Q1"):
        assert word in shown


def test_no_text_opens_a_modal_with_date_picker_and_rollout_select(bot: RunningBot) -> None:
    add_rollout(bot, "sso", date(2026, 12, 1))
    bot.slack.command("/promise", "", user=REP, channel="C0SALES01")
    view = view_of(bot.fake.wait_for("views.open")[0])
    elements = {b["block_id"]: b["element"]["type"] for b in view["blocks"]}
    assert elements == {
        "what": "plain_text_input",
        "account": "plain_text_input",
        "due": "datepicker",
        "rollout": "static_select",
    }

    reply = bot.slack.view_submission(
        "promise_modal",
        {
            "what": " SSO support ",
            "account": "Acme Corp",
            "due": {"type": "datepicker", "selected_date": "2026-12-15"},
            "rollout": {"type": "static_select", "selected_option": {"value": "sso"}},
        },
        private_metadata=view["private_metadata"],
    )
    assert reply.status == 200 and reply.body == ""
    [confirmation] = bot.fake.wait_for("chat.postEphemeral")
    assert confirmation["channel"] == "C0SALES01" and "Tuesday 15 December 2026" in text_of(
        confirmation
    )
    promise = only_promise(bot)
    assert (promise.text, promise.account, promise.rollout_key) == (
        "SSO support",
        "Acme Corp",
        "sso",
    )


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        ({"what": "  ", "due": "2026-12-15"}, {"what": "Write what you promised."}),
        ({"what": "SSO", "due": "2026-11-02"}, "due"),
    ],
)
def test_modal_with_blank_text_or_past_date_gets_inline_errors(
    bot: RunningBot, values: dict, errors: object
) -> None:
    state = {
        "what": values["what"],
        "due": {"type": "datepicker", "selected_date": values["due"]},
    }
    reply = bot.slack.view_submission("promise_modal", state)
    body = reply.json()
    assert body["response_action"] == "errors"
    if isinstance(errors, dict):
        assert body["errors"] == errors
    else:
        assert "in the past" in body["errors"][errors]
    assert all_promises(bot) == []


SLOW = 4.0  # seconds users.info takes in the tests below: longer than Slack waits for an ack
ACK_WITHIN = 1.5  # seconds: well inside Slack's 3


def submit_timed(bot: RunningBot, callback_id: str, values: dict, **kwargs: str) -> float:
    """Submit a modal the ack accepts (an empty 200 answer); returns how long that answer took."""
    started = time.monotonic()
    reply = bot.slack.view_submission(callback_id, values, **kwargs)
    elapsed = time.monotonic() - started
    assert (reply.status, reply.body) == (200, "")
    return elapsed


def test_capture_modal_is_answered_at_once_while_slack_is_slow_and_saved_once(
    bot: RunningBot,
) -> None:
    """Slack shows an error when an ack takes over 3 s, and a rep who then submits again
    saved the promise twice: the ack must not wait on users.info (here 4 s)."""
    bot.fake.delay("users.info", SLOW)
    elapsed = submit_timed(
        bot,
        "promise_modal",
        {"what": "SSO support", "due": {"type": "datepicker", "selected_date": "2026-12-15"}},
        private_metadata="C0SALES01",
    )
    assert elapsed < ACK_WITHIN
    assert bot.fake.calls_to("users.info") == []  # the rep's zone was still on its way

    [confirmation] = bot.fake.wait_for("chat.postEphemeral", timeout=SLOW + 10)
    assert "Tuesday 15 December 2026" in text_of(confirmation)
    assert [p.text for p in all_promises(bot)] == ["SSO support"]


def test_move_modal_by_an_admin_is_answered_at_once_while_slack_is_slow(bot: RunningBot) -> None:
    """Neither the admin check nor the owner's zone (both users.info) is waited for in the ack."""
    promise_cmd(bot, "Pilot report to [Acme] by 2026-12-10", REP)
    promise = only_promise(bot)
    channel, ts = reminder_message(bot)
    bot.clock.advance(minutes=20)  # the rep's cached profile has expired
    bot.fake.delay("users.info", SLOW)

    elapsed = submit_timed(
        bot,
        "promise_move_modal",
        {"due": {"type": "datepicker", "selected_date": "2027-01-08"}},
        user=ADMIN,
        private_metadata=Origin(promise.id, channel, ts).dump(),
    )
    assert elapsed < ACK_WITHIN

    [update] = bot.fake.wait_for("chat.update", timeout=2 * SLOW + 10)
    assert "Friday 8 January 2027" in text_of(update)
    assert only_promise(bot).due_on == date(2027, 1, 8)
    assert len(store.due_date_history(bot.db, promise.id)) == 1


def test_capture_modal_date_past_only_in_the_reps_zone_is_refused_after_it_closes(
    bot: RunningBot,
) -> None:
    """The ack refuses only dates past everywhere; Monday is already over in Auckland, so the
    rep hears why nothing was saved where they opened the form."""
    bot.fake.add_user(REP, tz="Pacific/Auckland")  # 04:00 on Tuesday 24 November there
    submit_timed(
        bot,
        "promise_modal",
        {"what": "SSO support", "due": {"type": "datepicker", "selected_date": "2026-11-23"}},
        private_metadata="C0SALES01",
    )
    [refusal] = bot.fake.wait_for("chat.postEphemeral")
    shown = text_of(refusal)
    assert refusal["channel"] == "C0SALES01" and "SSO support" in shown
    assert "Monday 23 November 2026 is in the past" in shown
    assert "today is Tuesday 24 November 2026 for you" in shown
    assert all_promises(bot) == []


def test_move_modal_from_someone_else_is_refused_in_a_dm(bot: RunningBot) -> None:
    promise_cmd(bot, "Pilot report to [Acme] by 2026-12-10", REP)
    promise = only_promise(bot)
    channel, ts = reminder_message(bot)
    submit_timed(
        bot,
        "promise_move_modal",
        {"due": {"type": "datepicker", "selected_date": "2027-01-08"}},
        user=OTHER_REP,
        private_metadata=Origin(promise.id, channel, ts).dump(),
    )
    [refusal] = bot.fake.wait_for("chat.postMessage", where=lambda a: a["channel"] == OTHER_REP)
    assert "only its owner or an admin" in refusal["text"]
    assert only_promise(bot).due_on == date(2026, 12, 10)
    assert bot.fake.calls_to("chat.update") == []


def reminder_message(bot: RunningBot) -> tuple[str, str]:
    """A DM from the bot whose buttons a test presses; returns its (channel, ts)."""
    response = bot.services.client.chat_postMessage(channel=REP, text="reminder")
    return response["channel"], response["ts"]


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
    assert "Friday 8 January 2027" in text_of(update)
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


def test_hostile_text_is_escaped_in_the_confirmation(bot: RunningBot) -> None:
    shown = text_of(
        promise_cmd(bot, "Tell <!here> and <@U0BOSS> to [<!channel> & Co] by friday", REP)
    )
    assert "<!here>" not in shown and "<@U0BOSS>" not in shown and "<!channel>" not in shown
    assert "&lt;!channel&gt; &amp; Co" in shown


def test_export_writes_promises_as_json(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    promise_cmd(bot, "Pilot report to [Acme] by 2026-12-10", REP)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("DATABASE_URL", bot.db.url.render_as_string(hide_password=False))
    assert main(["export", "promises", "--format", "json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert (row["account"], row["due_on"], row["status"]) == ("Acme", "2026-12-10", "open")


def test_the_managers_query_reads_the_partial_index_that_migration_0008_builds_on_sqlite(
    tmp_path: Path,
) -> None:
    """SQLite uses a partial index only while the query repeats the index's WHERE literally:
    if `NEEDS_ATTENTION` and the migrated index drift apart, the nudge and Home tab read
    every promise of each rep again, and no other test would notice."""
    database = Database(f"sqlite:///{tmp_path / 'plan.db'}")
    database.upgrade()
    sent: list[tuple[str, tuple]] = []
    event.listen(
        database.engine,
        "before_cursor_execute",
        lambda _conn, _cursor, statement, params, _context, _many: sent.append((statement, params)),
    )
    store.needing_attention(database, TEAM, [REP, OTHER_REP])
    [(query, params)] = [(sql, params) for sql, params in sent if sql.startswith("SELECT")]
    with database.engine.connect() as connection:
        plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {query}", params).all()
    database.dispose()
    assert any("USING INDEX ix_promises_team_owner_attention" in row.detail for row in plan), plan
