"""The first digest of each month opens with the notes marketing used most the month before,
thanking their authors by name unless they said `/fieldnote settings recognition off`."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from storage import fieldnotes
from tests.support.bot import MANAGER, OTHER_REP, REP, START, RunningBot, Tick
from tests.support.digests import MARKETER, add_note, posts_to
from tests.support.fieldnotes import fieldnote
from tests.support.messages import blocks_of, text_of
from tests.support.replies import perspective

FIRST_OF_DECEMBER = "2026-12-01T09:00:00Z"


def use(bot: RunningBot, note: fieldnotes.FieldNote, times: int) -> None:
    """A marketer presses *Used it* under the note and says where, `times` times."""
    for _ in range(times):
        before = len(
            bot.fake.calls_to("chat.postMessage", lambda a: a["channel"] == note.author_id)
        )
        metadata = json.dumps({"note": note.id, "channel": "", "ts": ""})
        reply = bot.slack.view_submission(
            "digest_used_modal", {"where": "Q1 deck"}, user=MARKETER, private_metadata=metadata
        )
        assert reply.status == 200
        bot.fake.wait_for(
            "chat.postMessage", before + 1, where=lambda a: a["channel"] == note.author_id
        )


def november_notes(bot: RunningBot) -> list[fieldnotes.FieldNote]:
    bot.fake.add_user(MARKETER)
    bot.clock.set(START)
    perspective(bot, "digest add <#C0MKT0001|marketing>")
    notes = [
        add_note(bot.services, "Per-seat pricing kills it", author=REP),
        add_note(bot.services, "Needs SOC 2 before signing", account="Globex", author=OTHER_REP),
        add_note(bot.services, "Loves the forecasting view", account="Initech", author=MANAGER),
    ]
    for note, times in zip(notes, (1, 3, 2), strict=True):
        use(bot, note, times)
    return notes


def lead_of(post: dict) -> str:
    return blocks_of(post)[2]["text"]["text"]


def test_the_first_digest_of_december_thanks_the_authors_of_novembers_most_used_notes(
    bot: RunningBot, tick: Tick
) -> None:
    rep = november_notes(bot)[0]
    tick("2026-11-24T09:00:00Z")
    assert "Notes that mattered" not in text_of(posts_to(bot)[-1])

    bot.clock.set(datetime(2026, 12, 1, 8, tzinfo=UTC))
    use(bot, rep, 5)  # used in December: counts next month, not for November
    tick(FIRST_OF_DECEMBER)

    lead = lead_of(posts_to(bot)[-1])
    assert lead.startswith(":trophy: *Notes that mattered in November*")
    first, second, third = lead.split("\n")[1:4]
    assert (
        first.startswith("1. *Globex*") and "used 3 times" in first and f"<@{OTHER_REP}>" in first
    )
    assert second.startswith("2. *Initech*") and "used 2 times" in second
    assert third.startswith("3. *Acme Corp*") and "used 1 time ·" in third
    assert f"Thank you, <@{OTHER_REP}>, <@{MANAGER}> and <@{REP}>" in lead

    bot.clock.set(datetime(2026, 12, 1, 12, tzinfo=UTC))
    fieldnote(bot, "[Acme] another one #pricing")
    tick("2026-12-02T09:00:00Z")
    assert "Notes that mattered" not in text_of(posts_to(bot)[-1])  # only the month's first


def test_a_rep_who_turned_recognition_off_is_not_named_but_their_note_still_counts(
    bot: RunningBot, tick: Tick
) -> None:
    november_notes(bot)
    answer = fieldnote(bot, "settings recognition off", user=OTHER_REP)
    assert "won't name you" in answer["text"] and "still count" in answer["text"]
    tick("2026-11-24T09:00:00Z")
    tick(FIRST_OF_DECEMBER)

    lead = lead_of(posts_to(bot)[-1])
    first = lead.split("\n")[1]
    assert first.startswith("1. *Globex*") and "used 3 times" in first
    assert f"<@{OTHER_REP}>" not in lead
    assert f"Thank you, <@{MANAGER}> and <@{REP}>" in lead


def test_recognition_can_be_turned_back_on(bot: RunningBot, tick: Tick) -> None:
    november_notes(bot)
    fieldnote(bot, "settings recognition off", user=OTHER_REP)
    assert "by name again" in fieldnote(bot, "settings recognition on", user=OTHER_REP)["text"]
    tick("2026-11-24T09:00:00Z")
    tick(FIRST_OF_DECEMBER)
    assert f"<@{OTHER_REP}>" in lead_of(posts_to(bot)[-1])


def test_the_months_first_digest_posts_its_recognition_even_when_nothing_is_new(
    bot: RunningBot, tick: Tick
) -> None:
    november_notes(bot)
    tick("2026-11-24T09:00:00Z")
    tick(FIRST_OF_DECEMBER)  # nothing recorded since Nov 24
    post = posts_to(bot)[-1]
    assert "Notes that mattered in November" in text_of(post)


def test_a_mistyped_setting_says_how_to_write_it(bot: RunningBot) -> None:
    text = fieldnote(bot, "settings recognition maybe")["text"]
    assert "`/fieldnote settings recognition off`" in text
