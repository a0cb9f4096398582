"""The Messages tab: `help` answers for the person's roles; other text is offered as a note."""

from __future__ import annotations

from storage import fieldnotes
from tests.support.bot import ADMIN, REP, TEAM, RunningBot
from tests.support.messages import blocks_of

DM = "D" + REP[1:]


def test_help_in_a_dm_answers_with_help_for_that_persons_roles(bot: RunningBot) -> None:
    bot.slack.direct_message("help")
    [rep_help] = bot.fake.wait_for("chat.postMessage", where=lambda a: a["channel"] == DM)
    assert "/fieldnote" in rep_help["text"] and "/promise" in rep_help["text"]
    assert "Set-up" not in rep_help["text"]

    bot.slack.direct_message("Help", user=ADMIN)
    [admin_help] = bot.fake.wait_for("chat.postMessage", where=lambda a: a["channel"] != DM)
    assert "Set-up" in admin_help["text"] and "/fieldnote" not in admin_help["text"]


def test_other_text_is_offered_back_as_a_note_and_saved_once(bot: RunningBot) -> None:
    bot.slack.direct_message("[Acme Corp] CFO says per-seat pricing kills it #pricing")
    [offer] = bot.fake.wait_for("chat.postMessage", where=lambda a: a["channel"] == DM)
    section = blocks_of(offer)[0]
    assert "*Acme Corp*" in section["text"]["text"] and "`#pricing`" in section["text"]["text"]
    button = section["accessory"]
    assert button["action_id"] == "fieldnote_save_offered"

    for _ in range(2):
        bot.slack.block_action(
            button["action_id"], button["value"], channel=DM, message_ts="1790000009.000100"
        )
    saved = bot.fake.wait_for("response_url", where=lambda a: "Saved note" in a["text"])
    assert saved[0]["replace_original"] is True
    [note] = fieldnotes.notes_by_author(bot.db, TEAM, REP, 10).notes
    assert (note.account, note.text, note.tag_names) == (
        "Acme Corp",
        "CFO says per-seat pricing kills it",
        ["pricing"],
    )
    assert note.channel_id == DM


def test_a_dm_that_cannot_be_a_note_says_how_to_write_one(bot: RunningBot) -> None:
    bot.slack.direct_message("[Acme CFO hates per-seat pricing")
    [answer] = bot.fake.wait_for("chat.postMessage", where=lambda a: a["channel"] == DM)
    assert "square brackets" in answer["text"] and "blocks" not in answer


def test_a_dm_too_long_for_the_button_points_to_fieldnote(bot: RunningBot) -> None:
    bot.slack.direct_message("pricing " * 300)
    [answer] = bot.fake.wait_for("chat.postMessage", where=lambda a: a["channel"] == DM)
    assert "`/fieldnote`" in answer["text"]


def test_the_bots_own_messages_edits_and_other_channels_get_no_answer(bot: RunningBot) -> None:
    """Acknowledged and dropped in the ack itself: no work is queued, so none can loop."""
    for extra in (
        {"bot_id": "B0BOT0001"},
        {"subtype": "message_changed"},
        {"channel_type": "channel"},
    ):
        assert bot.slack.direct_message("Save this as a field note?", **extra).status == 200
    assert [call.method for call in bot.fake.calls if call.method != "auth.test"] == []
