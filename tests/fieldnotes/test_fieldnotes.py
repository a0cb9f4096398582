"""/fieldnote end to end: signed requests in, Web API calls out, rows in both databases."""

from __future__ import annotations

import json
import time

import pytest

from storage import fieldnotes, intel
from tests.support.bot import ADMIN, OTHER_REP, REP, TEAM, RunningBot
from tests.support.deals import ACME, send_deal, settle
from tests.support.fieldnotes import fieldnote
from tests.support.replies import in_ack, reply_to

NOTE = "[Acme Corp] CFO says per-seat pricing kills it vs Gong #pricing #competitor:gong"


def text_of(message: dict) -> str:
    parts = [message.get("text") or ""]
    for block in message.get("blocks") or []:
        parts.append(json.dumps(block))
    return "\n".join(parts)


def all_notes(bot: RunningBot) -> list[fieldnotes.FieldNote]:
    return fieldnotes.search_notes(bot.db, TEAM, [], 1000).notes


def test_note_with_account_and_tags_is_saved_and_confirmed(bot: RunningBot) -> None:
    started = time.monotonic()
    reply, _ = bot.slack.command("/fieldnote", NOTE, channel="C0FIELD01")
    assert reply.status == 200
    assert time.monotonic() - started < 3, "the ack must beat Slack's 3-second limit"

    message = in_ack(reply)
    assert message is not None, "the confirmation is the ack itself"
    assert bot.fake.calls_to("response_url") == []
    [note] = all_notes(bot)
    assert (note.author_id, note.account, note.channel_id) == (REP, "Acme Corp", "C0FIELD01")
    assert note.tag_names == ["pricing", "competitor:gong"]
    assert note.text == "CFO says per-seat pricing kills it vs Gong"
    assert message["response_type"] == "ephemeral"
    shown = text_of(message)
    assert f"#{note.id}" in shown and "Acme Corp" in shown and "competitor:gong" in shown
    assert '"action_id": "fieldnote_delete"' in shown


def test_saved_note_is_found_by_search(bot: RunningBot) -> None:
    fieldnote(bot, NOTE)
    fieldnote(bot, "[Globex] loves the roadmap #product")
    found = fieldnote(bot, "search gong pricing")
    shown = text_of(found)
    assert "Acme Corp" in shown and "Globex" not in shown
    assert "Acme" in text_of(fieldnote(bot, "search ACME"))
    assert "Globex" in text_of(fieldnote(bot, "search product"))  # tags are searched too


def test_search_shows_ten_newest_and_how_many_more(bot: RunningBot) -> None:
    for i in range(13):
        bot.clock.advance(minutes=1)
        fieldnote(bot, f"[Initech] note number {i} #pricing")
    shown = text_of(fieldnote(bot, "search initech"))
    assert "note number 12" in shown and "note number 3" in shown
    assert "note number 2" not in shown
    assert "3 more" in shown
    assert shown.index("note number 12") < shown.index("note number 11")


def test_search_with_no_match_says_so(bot: RunningBot) -> None:
    assert "No notes match" in text_of(fieldnote(bot, "search zebra"))


def test_mine_lists_only_my_notes(bot: RunningBot) -> None:
    fieldnote(bot, "[Acme] mine one #a")
    fieldnote(bot, "[Hooli] theirs #b", user=OTHER_REP)
    shown = text_of(fieldnote(bot, "mine"))
    assert "mine one" in shown and "theirs" not in shown


def test_author_deletes_own_note(bot: RunningBot) -> None:
    fieldnote(bot, NOTE)
    [note] = all_notes(bot)
    assert "Deleted note" in text_of(fieldnote(bot, f"delete {note.id}"))
    assert all_notes(bot) == []


def test_someone_else_cannot_delete_a_note_but_an_admin_can(bot: RunningBot) -> None:
    fieldnote(bot, NOTE)
    [note] = all_notes(bot)
    refusal = text_of(fieldnote(bot, f"delete {note.id}", user=OTHER_REP))
    assert "only its author or an admin" in refusal
    assert len(all_notes(bot)) == 1
    assert "Deleted note" in text_of(fieldnote(bot, f"delete {note.id}", user=ADMIN))
    assert all_notes(bot) == []


def test_delete_button_deletes_and_replaces_the_confirmation(bot: RunningBot) -> None:
    fieldnote(bot, NOTE)
    [note] = all_notes(bot)
    reply, response_url = bot.slack.block_action(
        "fieldnote_delete", str(note.id), container_type="ephemeral"
    )
    assert reply.status == 200
    message = reply_to(bot, response_url)
    assert message["replace_original"] is True and "Deleted" in message["text"]
    assert all_notes(bot) == []


def test_help_explains_every_subcommand(bot: RunningBot) -> None:
    shown = text_of(fieldnote(bot, "help"))
    for word in ("search", "mine", "delete", "[Account]", "#tag"):
        assert word in shown


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[Acme] #pricing #gong", "no text besides the account and tags"),
        ("[Acme CFO hates the price #pricing", "square brackets"),
        ("Acme] CFO hates the price", "square brackets"),
        ("[] CFO hates the price", "brackets are empty"),
        ("serch pricing", "Did you mean `/fieldnote search`"),
        ("list", "isn't a /fieldnote command"),
        ("[Acme] " + "word " * 700, "the limit is 3,000"),
        ("delete twelve", "by its number"),
        ("delete 999", "no note #999"),
        ("search", "what to look for"),
    ],
)
def test_bad_input_gets_a_friendly_message_and_stores_nothing(
    bot: RunningBot, text: str, expected: str
) -> None:
    message = fieldnote(bot, text)
    assert expected in message["text"]
    assert message["response_type"] == "ephemeral"
    assert all_notes(bot) == []


def test_no_text_opens_the_modal_and_submitting_saves(bot: RunningBot) -> None:
    reply, _ = bot.slack.command("/fieldnote", "", channel="C0FIELD01")
    assert reply.status == 200
    [opened] = bot.fake.wait_for("views.open")
    view = json.loads(opened["view"]) if isinstance(opened["view"], str) else opened["view"]
    assert view["callback_id"] == "fieldnote_modal"
    assert {b["block_id"] for b in view["blocks"]} == {"account", "note", "tags"}

    submitted = bot.slack.view_submission(
        "fieldnote_modal",
        {
            "account": "Acme Corp",
            "note": "  Needs SOC 2 before signing  ",
            "tags": "#Security, competitor:gong",
        },
        private_metadata=view["private_metadata"],
    )
    assert submitted.status == 200 and submitted.body == ""
    [confirmation] = bot.fake.wait_for("chat.postEphemeral")
    assert confirmation["channel"] == "C0FIELD01" and confirmation["user"] == REP
    [note] = all_notes(bot)
    assert (note.account, note.text) == ("Acme Corp", "Needs SOC 2 before signing")
    assert note.tag_names == ["security", "competitor:gong"]


def test_modal_confirmation_falls_back_to_a_dm_outside_the_bots_channels(bot: RunningBot) -> None:
    bot.fake.channels_without_bot.add("C0PRIVATE")
    bot.slack.view_submission(
        "fieldnote_modal", {"note": "Budget frozen"}, private_metadata="C0PRIVATE"
    )
    [dm] = bot.fake.wait_for("chat.postMessage")
    assert dm["channel"] == REP
    assert len(all_notes(bot)) == 1


def test_blank_note_in_the_modal_gets_an_inline_error_and_saves_nothing(bot: RunningBot) -> None:
    reply = bot.slack.view_submission("fieldnote_modal", {"account": "Acme", "note": "   "})
    assert reply.status == 200
    assert reply.json() == {
        "response_action": "errors",
        "errors": {"note": "Write what the customer said."},
    }
    assert all_notes(bot) == []


def test_hostile_text_is_escaped_in_the_confirmation(bot: RunningBot) -> None:
    message = fieldnote(bot, "[<!channel> & Co] <@U0BOSS> says <!here> is fine #x")
    shown = text_of(message)
    assert "<!channel>" not in shown and "<!here>" not in shown and "<@U0BOSS>" not in shown
    assert "&lt;!channel&gt; &amp; Co" in shown


def test_slack_failure_after_ack_is_reported_not_swallowed(bot: RunningBot) -> None:
    bot.fake.fail_next("views.open", error="invalid_arguments")
    reply, response_url = bot.slack.command("/fieldnote", "")
    assert reply.status == 200
    assert "Something went wrong" in reply_to(bot, response_url)["text"]


def test_a_form_the_database_cannot_take_stays_open_with_the_note_in_it(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    def database_down(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(intel, "add_note_with_mentions", database_down)
    reply = bot.slack.view_submission("fieldnote_modal", {"note": "Budget frozen"})
    assert reply.status == 200
    assert reply.json()["response_action"] == "errors"
    assert reply.json()["errors"]["note"].startswith("Couldn't save your note just now")
    monkeypatch.undo()
    assert all_notes(bot) == [] and bot.fake.calls_to("chat.postMessage") == []


def test_a_form_is_saved_before_it_closes_and_confirmed_after(bot: RunningBot) -> None:
    reply = bot.slack.view_submission("fieldnote_modal", {"note": "Budget frozen till Q2"})
    assert (reply.status, reply.json()) == (200, None)
    [note] = all_notes(bot)  # already stored when Slack closed the form
    [confirmation] = bot.fake.wait_for("chat.postMessage")
    assert confirmation["text"] == f"Saved note #{note.id}"


def open_modal_view(bot: RunningBot) -> dict:
    reply, _ = bot.slack.command("/fieldnote", "", channel="C0FIELD01")
    assert reply.status == 200
    opened = bot.fake.wait_for("views.open")[-1]["view"]
    return json.loads(opened) if isinstance(opened, str) else opened


def test_the_form_offers_my_recent_deals_and_saves_the_one_i_pick(bot: RunningBot) -> None:
    assert send_deal(bot, {**ACME, "owner_slack_id": REP}).status == 200
    assert send_deal(bot, {**ACME, "deal_id": "other", "owner_slack_id": OTHER_REP}).status == 200
    settle(bot)
    view = open_modal_view(bot)
    [deal_block] = [b for b in view["blocks"] if b["block_id"] == "deal"]
    options = deal_block["element"]["options"]
    assert [o["text"]["text"] for o in options] == ["Acme renewal · Acme Corp"]

    picked = {"type": "static_select", "selected_option": {"value": options[0]["value"]}}
    reply = bot.slack.view_submission("fieldnote_modal", {"note": "Wants SOC 2", "deal": picked})
    assert reply.status == 200 and reply.body == ""
    bot.fake.wait_for("chat.postMessage", where=lambda a: "Saved note" in a["text"])
    [note] = all_notes(bot)
    assert note.deal_ref == int(options[0]["value"])


def test_a_deal_from_elsewhere_is_refused_inline(bot: RunningBot) -> None:
    forged = {"type": "static_select", "selected_option": {"value": "9999"}}
    reply = bot.slack.view_submission("fieldnote_modal", {"note": "Wants SOC 2", "deal": forged})
    assert reply.json()["response_action"] == "errors"
    assert "deal" in reply.json()["errors"]
    assert all_notes(bot) == []


def test_the_form_has_no_deal_field_for_a_rep_without_deals(bot: RunningBot) -> None:
    assert "deal" not in {b["block_id"] for b in open_modal_view(bot)["blocks"]}
