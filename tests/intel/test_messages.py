"""One message back to the field: who may send it, the reps' DMs and buttons, a question
reaching the sender, the status, and the one reminder, sent once however many processes tick."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.intel.messages import reminder_due
from tests.support.bot import ADMIN, MANAGER, OTHER_REP, REP, RunningBot, tick_concurrently
from tests.support.digests import MARKETER, MARKETING, subscribe
from tests.support.messages import blocks_of, text_of, view_of
from tests.support.replies import perspective, reply_to

TOKYO_REP = "U0REP0003"
SEND = 'message "New pricing" Lead with the annual plan <!channel> & say it beats Gong'


def set_up_team(bot: RunningBot) -> None:
    bot.fake.add_user(TOKYO_REP, tz="Asia/Tokyo")
    perspective(bot, f"team <@{MANAGER}> <@{REP}> <@{OTHER_REP}> <@{TOKYO_REP}>")


def dms_to(bot: RunningBot, user: str) -> list[dict]:
    return bot.fake.calls_to("chat.postMessage", lambda a: a["channel"] == user)


def send_message(bot: RunningBot, user: str = ADMIN) -> dict:
    answer = perspective(bot, SEND, user=user)
    bot.fake.wait_for("chat.postMessage", count=3, where=lambda a: a["channel"].startswith("U0REP"))
    return answer


def copy_id(bot: RunningBot, user: str) -> str:
    """The recipient id the rep's buttons carry."""
    [dm] = dms_to(bot, user)
    [buttons] = [b for b in blocks_of(dm) if b["type"] == "actions"]
    return buttons["elements"][0]["value"]


def test_every_rep_on_a_team_gets_the_message_with_two_buttons(bot: RunningBot) -> None:
    set_up_team(bot)
    assert "on its way to 3 reps" in send_message(bot)["text"]
    for rep in (REP, OTHER_REP, TOKYO_REP):
        [dm] = dms_to(bot, rep)
        shown = text_of(dm)
        assert "New pricing" in shown and "Got it" in shown and "I have a question" in shown
        assert "&lt;!channel&gt; &amp; say it beats Gong" in shown  # escaped once, pings nobody
    assert dms_to(bot, MANAGER) == []


def test_only_admins_and_people_in_a_digest_channel_may_send(bot: RunningBot) -> None:
    set_up_team(bot)
    bot.fake.add_user(MARKETER)
    assert (
        "Messages to the field come from admins and marketers"
        in perspective(bot, SEND, user=MARKETER)["text"]
    )
    subscribe(bot.services)
    bot.fake.members[MARKETING] = [REP, MARKETER]
    assert "on its way to 3 reps" in send_message(bot, user=MARKETER)["text"]
    assert "to 3 reps; 0 acknowledged" in text_of(perspective(bot, "message status", user=MARKETER))


def test_a_message_needs_a_quoted_title_and_text(bot: RunningBot) -> None:
    set_up_team(bot)
    for text in ("message New pricing", 'message "New pricing"', 'message "" text'):
        assert "title in quotes" in perspective(bot, text)["text"]
    assert bot.fake.calls_to("chat.postMessage") == []


def test_got_it_is_recorded_and_the_buttons_go(bot: RunningBot) -> None:
    set_up_team(bot)
    send_message(bot)
    reply, url = bot.slack.block_action("field_message_ack", copy_id(bot, REP), user=REP)
    assert reply.status == 200
    updated = reply_to(bot, url)
    assert updated["replace_original"] is True
    assert "You acknowledged this" in text_of(updated)
    assert all(b["type"] != "actions" for b in blocks_of(updated))
    _, url = bot.slack.block_action("field_message_ack", copy_id(bot, REP), user=OTHER_REP)
    assert "isn't yours to answer" in reply_to(bot, url)["text"]


def test_a_question_opens_a_form_and_reaches_the_sender_in_a_dm_with_the_rep(
    bot: RunningBot,
) -> None:
    set_up_team(bot)
    send_message(bot)
    recipient = copy_id(bot, OTHER_REP)
    bot.slack.block_action("field_message_question", recipient, user=OTHER_REP)
    [opened] = bot.fake.wait_for("views.open")
    view = view_of(opened)
    assert view["callback_id"] == "field_message_question_modal"
    metadata = view["private_metadata"]
    blank = bot.slack.view_submission(
        view["callback_id"], {"question": "  "}, user=OTHER_REP, private_metadata=metadata
    )
    assert blank.json()["errors"] == {"question": "Write your question."}
    done = bot.slack.view_submission(
        view["callback_id"],
        {"question": "Does annual <@U0MGR0001> include support?"},
        user=OTHER_REP,
        private_metadata=metadata,
    )
    assert done.status == 200 and not done.body
    [opened_dm] = bot.fake.wait_for("conversations.open")
    assert opened_dm["users"] == f"{ADMIN},{OTHER_REP}"
    [asked] = bot.fake.wait_for("chat.postMessage", where=lambda a: a["channel"].startswith("G"))
    assert "Does annual &lt;@U0MGR0001&gt; include support?" in text_of(asked)


def test_status_lists_who_acknowledged_asked_and_not_yet(bot: RunningBot) -> None:
    set_up_team(bot)
    send_message(bot)
    bot.slack.block_action("field_message_ack", copy_id(bot, REP), user=REP)
    metadata = json.dumps({"recipient": int(copy_id(bot, OTHER_REP))})
    bot.slack.view_submission(
        "field_message_question_modal",
        {"question": "Why?"},
        user=OTHER_REP,
        private_metadata=metadata,
    )
    bot.fake.wait_for("conversations.open")
    shown = text_of(perspective(bot, "message status"))
    assert "to 3 reps; 1 acknowledged" in shown
    assert f"*Got it:* <@{REP}>" in shown
    assert f"*Asked a question:* <@{OTHER_REP}>" in shown
    assert f"*Not yet:* <@{TOKYO_REP}>" in shown
    assert "Messages to the field come from" in perspective(bot, "message status", user=REP)["text"]


def test_one_reminder_after_two_working_days_sent_once_by_three_processes(
    bot: RunningBot,
) -> None:
    set_up_team(bot)
    send_message(bot)  # Monday 15:00 UTC: 10:00 in New York, Tuesday 00:00 in Tokyo
    bot.slack.block_action("field_message_ack", copy_id(bot, REP), user=REP)
    bot.fake.wait_for("response_url")
    sent = bot.clock.now
    for at in (timedelta(days=2) - timedelta(minutes=1), timedelta(days=2), timedelta(days=3)):
        tick_concurrently(bot.services, sent + at)
    reminders = bot.fake.calls_to("chat.postMessage", lambda a: "Reminder" in a["text"])
    assert sorted(r["channel"] for r in reminders) == sorted([OTHER_REP, TOKYO_REP])
    assert all(len(dms_to(bot, rep)) == 2 for rep in (OTHER_REP, TOKYO_REP))
    assert len(dms_to(bot, REP)) == 1


def test_a_dm_that_failed_is_sent_once_by_the_next_ticks(bot: RunningBot) -> None:
    set_up_team(bot)
    bot.fake.fail_next("chat.postMessage", error="ratelimited")
    perspective(bot, SEND)
    bot.fake.wait_for("chat.postMessage", count=2, where=lambda a: a["channel"].startswith("U0REP"))
    for minutes in (1, 2):
        tick_concurrently(bot.services, bot.clock.now + timedelta(minutes=minutes))
    for rep in (REP, OTHER_REP, TOKYO_REP):
        assert len(dms_to(bot, rep)) == 1


def test_two_working_days_skip_the_weekend_in_the_reps_zone() -> None:
    new_york = ZoneInfo("America/New_York")
    friday = datetime(2026, 11, 27, 10, 0, tzinfo=new_york)
    assert reminder_due(friday, new_york) == datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
    # Friday 20:00 in New York is already Saturday in Tokyo: Monday and Tuesday count there.
    late_friday = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)
    assert reminder_due(late_friday, ZoneInfo("Asia/Tokyo")) == datetime(
        2026, 12, 1, 1, 0, tzinfo=UTC
    )
