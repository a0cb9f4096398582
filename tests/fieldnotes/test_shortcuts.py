"""The shortcuts: *Save as field note* on a message, *New field note* and *New promise*."""

from __future__ import annotations

import json

from storage import fieldnotes
from tests.support.bot import REP, TEAM, RunningBot
from tests.support.messages import text_of, view_of

CUSTOMER = "U0CUST001"
SALES = "C0SALES01"
SAID = "We'd sign today if SSO were in the base plan"


def test_save_as_field_note_opens_the_form_with_the_messages_words(bot: RunningBot) -> None:
    reply, _ = bot.slack.message_shortcut("save_as_note", SAID, author=CUSTOMER)
    assert reply.status == 200 and reply.body == ""
    [permalink] = bot.fake.wait_for("chat.getPermalink")
    assert (permalink["channel"], permalink["message_ts"]) == (SALES, "1790000002.000200")
    form = view_of(bot.fake.wait_for("views.open")[0])
    assert form["callback_id"] == "fieldnote_modal"
    note_input = next(b for b in form["blocks"] if b.get("block_id") == "note")
    assert note_input["element"]["initial_value"] == SAID
    origin = json.loads(form["private_metadata"])
    assert origin["said_by"] == CUSTOMER and origin["channel_id"] == SALES
    assert origin["permalink"].endswith("/archives/C0SALES01/p1790000002000200")


def test_the_saved_note_keeps_the_link_and_who_said_it(bot: RunningBot) -> None:
    bot.slack.message_shortcut("save_as_note", SAID, author=CUSTOMER)
    form = view_of(bot.fake.wait_for("views.open")[0])
    reply = bot.slack.view_submission(
        "fieldnote_modal",
        {"account": "Acme Corp", "note": SAID, "tags": "sso, pricing"},
        private_metadata=form["private_metadata"],
    )
    assert reply.status == 200
    [note] = fieldnotes.notes_by_author(bot.db, TEAM, REP, 10).notes
    assert (note.said_by, note.account, note.tag_names) == (
        CUSTOMER,
        "Acme Corp",
        ["sso", "pricing"],
    )
    assert note.permalink == json.loads(form["private_metadata"])["permalink"]
    [confirmation] = bot.fake.wait_for("chat.postEphemeral")
    assert confirmation["channel"] == SALES
    shown = text_of(confirmation)
    assert f"said by <@{CUSTOMER}>" in shown and f"<{note.permalink}|this message>" in shown


def test_without_a_permalink_the_form_still_opens(bot: RunningBot) -> None:
    bot.fake.fail_next("chat.getPermalink", error="message_not_found")
    bot.slack.message_shortcut("save_as_note", SAID, author=CUSTOMER)
    form = view_of(bot.fake.wait_for("views.open")[0])
    assert "permalink" not in json.loads(form["private_metadata"])


def test_the_new_field_note_shortcut_opens_a_blank_note_form(bot: RunningBot) -> None:
    assert bot.slack.global_shortcut("new_note").status == 200
    form = view_of(bot.fake.wait_for("views.open")[0])
    assert form["callback_id"] == "fieldnote_modal" and form["private_metadata"] == "{}"
    bot.slack.view_submission("fieldnote_modal", {"note": SAID}, private_metadata="{}")
    [confirmation] = bot.fake.wait_for("chat.postMessage")
    assert confirmation["channel"] == REP and "Saved note" in confirmation["text"]


def test_the_new_promise_shortcut_opens_the_promise_form(bot: RunningBot) -> None:
    assert bot.slack.global_shortcut("new_promise").status == 200
    form = view_of(bot.fake.wait_for("views.open")[0])
    assert form["callback_id"] == "promise_modal"
