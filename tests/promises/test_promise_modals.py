"""The three promise modals: capture, move and broken; inline errors and instant acks."""

from __future__ import annotations

import time
from datetime import date

import pytest

from bot.promises.blocks import Origin
from storage import promises as store
from tests.support.bot import ADMIN, OTHER_REP, REP, RunningBot
from tests.support.messages import text_of, view_of
from tests.support.promises import (
    add_rollout,
    all_promises,
    only_promise,
    promise_cmd,
    reminder_message,
)


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
    assert confirmation["channel"] == "C0SALES01" and "Tue 15 Dec 2026" in text_of(confirmation)
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
    assert "Tue 15 Dec 2026" in text_of(confirmation)
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
    assert "Fri 8 Jan 2027" in text_of(update)
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
    assert "Mon 23 Nov 2026 is in the past" in shown
    assert "today is Tue 24 Nov 2026 for you" in shown
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
