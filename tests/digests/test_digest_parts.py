"""A subscription's sections, chosen with `sections:` when it is added, and every new note
reachable from the digest through its thread."""

from __future__ import annotations

import pytest

from storage import digests as digest_store
from tests.digests.test_digest_deals import close
from tests.support.bot import TEAM, RunningBot, Tick
from tests.support.deals import ACME
from tests.support.digests import MARKETING, posts_to
from tests.support.fieldnotes import fieldnote
from tests.support.messages import blocks_of, text_of
from tests.support.replies import perspective


def test_a_digest_with_only_notes_leaves_out_the_deals(bot: RunningBot, tick: Tick) -> None:
    text = perspective(bot, "digest add <#C0MKT0001|marketing> daily 9:00 UTC sections:notes")[
        "text"
    ]
    assert "notes" in text and "deals" not in text
    fieldnote(bot, "[Acme] Per-seat pricing kills it #pricing")
    close(bot, ACME)

    tick("2026-11-24T09:00:00Z")

    [post] = posts_to(bot)
    assert "Per-seat pricing kills it" in text_of(post)
    assert "Closed deals" not in text_of(post) and "deal" not in post["text"]


def test_a_digest_of_deals_and_promises_shows_no_notes(bot: RunningBot, tick: Tick) -> None:
    perspective(bot, "digest add <#C0MKT0001|marketing> sections:deals,promises")
    [subscription] = digest_store.subscriptions(bot.db, TEAM)
    assert subscription.section_names == ("deals", "promises")
    fieldnote(bot, "[Acme] Per-seat pricing kills it #pricing")
    close(bot, ACME)

    tick("2026-11-24T09:00:00Z")

    [post] = posts_to(bot)
    assert "Closed deals" in text_of(post) and "Per-seat pricing" not in text_of(post)


def test_every_section_is_shown_when_none_is_chosen(bot: RunningBot, tick: Tick) -> None:
    perspective(bot, "digest add <#C0MKT0001|marketing>")
    fieldnote(bot, "[Acme] Per-seat pricing kills it #pricing")
    close(bot, ACME)
    tick("2026-11-24T09:00:00Z")
    [post] = posts_to(bot)
    assert "Closed deals" in text_of(post) and "Per-seat pricing" in text_of(post)


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ("sections:notes,leads", "`leads` isn't a section: choose from `notes`, `deals`"),
        ("sections:", "Name at least one section"),
    ],
)
def test_an_unknown_section_is_refused_with_the_names_to_use(
    bot: RunningBot, options: str, expected: str
) -> None:
    text = perspective(bot, f"digest add <#C0MKT0001|marketing> {options}")["text"]
    assert expected in text and "sections:notes,deals" in text
    assert digest_store.subscriptions(bot.db, TEAM) == []


def test_a_hundred_notes_are_all_in_the_thread_within_slacks_limits(
    bot: RunningBot, tick: Tick
) -> None:
    perspective(bot, "digest add <#C0MKT0001|marketing>")
    for i in range(100):
        fieldnote(bot, f"[Account {i}] number {i}: {'long words ' * 40} #tag{i % 3}")

    tick("2026-11-24T09:00:00Z")

    post, *replies = posts_to(bot)
    assert len(blocks_of(post)) <= 50 and "100 new field notes" in text_of(post)
    thread = "".join(text_of(reply) for reply in replies)
    assert all(f"number {i}:" in thread for i in range(100))
    assert all(reply["channel"] == MARKETING and reply["thread_ts"] for reply in replies)
