"""The digest's two buttons end to end, through the real HTTP stack: ask the rep, used it."""

from __future__ import annotations

import json

from storage import digests as digest_store
from storage import fieldnotes, note_uses
from tests.support.bot import REP, TEAM, RunningBot
from tests.support.digests import MARKETER, MARKETING, add_note
from tests.support.messages import text_of, view_of
from tests.support.replies import perspective, reply_to


def posted_digest(bot: RunningBot) -> tuple[fieldnotes.FieldNote, str]:
    bot.fake.add_user(MARKETER)
    perspective(bot, "digest add <#C0MKT0001|marketing>")
    note = add_note(bot.services, "Needs <!here> SOC 2 before signing", account="Acme & Co")
    perspective(bot, "digest now <#C0MKT0001|marketing>")
    [subscription] = digest_store.subscriptions(bot.db, TEAM)
    period = digest_store.last_sent_period(bot.db, subscription.id)
    assert period is not None and period.message_ts is not None
    return note, period.message_ts


def test_ask_rep_opens_a_group_dm_with_the_note_quoted(bot: RunningBot) -> None:
    note, ts = posted_digest(bot)
    reply, response_url = bot.slack.block_action(
        "digest_ask_rep", str(note.id), user=MARKETER, channel=MARKETING, message_ts=ts
    )
    assert reply.status == 200
    [opened] = bot.fake.wait_for("conversations.open")
    assert set(opened["users"].split(",")) == {MARKETER, REP}
    [dm] = bot.fake.wait_for("chat.postMessage", where=lambda a: a["channel"].startswith("G"))
    assert f"<@{MARKETER}>" in dm["text"] and f"<@{REP}>" in dm["text"]
    assert f"note #{note.id}" in dm["text"] and "SOC 2" in dm["text"]
    assert "<!here>" not in dm["text"] and "Acme &amp; Co" in dm["text"]
    answer = reply_to(bot, response_url)
    assert (
        answer["text"]
        == f"I've asked <@{REP}> in a group DM with the two of you, with the note quoted."
    )
    assert answer["response_type"] == "ephemeral"


def test_ask_rep_falls_back_to_a_thread_that_mentions_the_rep(bot: RunningBot) -> None:
    note, ts = posted_digest(bot)
    bot.fake.fail_next("conversations.open", error="user_disabled")
    bot.slack.block_action(
        "digest_ask_rep", str(note.id), user=MARKETER, channel=MARKETING, message_ts=ts
    )
    [asked] = bot.fake.wait_for("chat.postMessage", where=lambda a: a.get("thread_ts") == ts)
    assert asked["channel"] == MARKETING and f"<@{REP}>" in asked["text"]


def test_used_it_asks_where_thanks_the_rep_and_marks_the_note_used(bot: RunningBot) -> None:
    note, ts = posted_digest(bot)
    bot.slack.block_action(
        "digest_used_it", str(note.id), user=MARKETER, channel=MARKETING, message_ts=ts
    )
    [opened] = bot.fake.wait_for("views.open")
    view = view_of(opened)
    assert view["callback_id"] == "digest_used_modal"
    assert "Where did you use it?" in json.dumps(view)

    submitted = bot.slack.view_submission(
        "digest_used_modal",
        {"where": "Q1 pricing page <!channel>"},
        user=MARKETER,
        private_metadata=view["private_metadata"],
    )
    assert submitted.status == 200

    [thanks] = bot.fake.wait_for("chat.postMessage", where=lambda a: a["channel"] == REP)
    assert f"<@{MARKETER}> used your note #{note.id}" in thanks["text"]
    assert (
        "Q1 pricing page &lt;!channel&gt;" in thanks["text"] and "<!channel>" not in thanks["text"]
    )
    [update] = bot.fake.wait_for("chat.update")
    assert update["ts"] == ts and "_used_" in text_of(update)
    [use] = note_uses.uses_of(bot.db, TEAM, note.id)
    assert (use.used_by, use.used_where) == (MARKETER, "Q1 pricing page <!channel>")


def test_used_it_without_saying_where_gets_an_inline_error(bot: RunningBot) -> None:
    note, _ts = posted_digest(bot)
    reply = bot.slack.view_submission(
        "digest_used_modal",
        {"where": "   "},
        user=MARKETER,
        private_metadata=json.dumps({"note": note.id, "channel": MARKETING, "ts": "1.2"}),
    )
    assert reply.json()["response_action"] == "errors"
    assert note_uses.uses_of(bot.db, TEAM, note.id) == []
