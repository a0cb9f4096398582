"""Rising themes at the top of the digest: at least 3 reps, at least twice as often (per day)
as in the 28 days before, flagged once per rise — at the rule's edges, on both databases."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.support.bot import MANAGER, OTHER_REP, REP, START, RunningBot, Tick
from tests.support.digests import posts_to
from tests.support.fieldnotes import fieldnote
from tests.support.messages import blocks_of, text_of
from tests.support.replies import perspective

# The first digest posts at 2026-11-24 09:00 UTC: its last 14 days start on Nov 10 at 09:00,
# the 28 days before them on Oct 13 at 09:00.
FIRST_DIGEST = "2026-11-24T09:00:00Z"
RECENT = START - timedelta(days=5)
BEFORE = START - timedelta(days=25)


def notes_at(bot: RunningBot, when: datetime, authors: list[str], tag: str = "security") -> None:
    """One note per author at `when`, typed through /fieldnote."""
    for i, author in enumerate(authors):
        bot.clock.set(when + timedelta(minutes=i))
        fieldnote(bot, f"[Acme] SOC 2 report asked for again, {i} #{tag}", user=author)


def first_digest(bot: RunningBot, tick: Tick) -> str:
    bot.clock.set(START)
    perspective(bot, "digest add <#C0MKT0001|marketing> always")
    tick(FIRST_DIGEST)
    return text_of(posts_to(bot)[-1])


def test_a_tag_three_reps_raise_for_the_first_time_is_flagged_at_the_top(
    bot: RunningBot, tick: Tick
) -> None:
    notes_at(bot, RECENT, [REP, OTHER_REP, MANAGER, REP])
    first_digest(bot, tick)
    [post] = posts_to(bot)
    lead = blocks_of(post)[2]["text"]["text"]
    assert lead.startswith(":chart_with_upwards_trend: *Rising: #security* — 4 notes from 3 reps")
    assert "none in the four weeks before" in lead
    assert lead.count("SOC 2 report asked for again") == 3  # its newest notes, quoted


def test_two_reps_are_not_a_theme_however_often_they_raise_it(bot: RunningBot, tick: Tick) -> None:
    notes_at(bot, RECENT, [REP, OTHER_REP, REP, OTHER_REP, REP])
    assert "Rising" not in first_digest(bot, tick)


@pytest.mark.parametrize(
    ("before", "flagged", "times"),
    [
        (2, True, "3×"),  # 3 notes in 14 days against 2 in 28: three times as often
        (3, True, "2×"),  # exactly twice as often
        (4, False, ""),  # 1.5 times as often: not yet twice
    ],
)
def test_a_theme_must_come_up_twice_as_often_as_in_the_four_weeks_before(
    bot: RunningBot, tick: Tick, before: int, flagged: bool, times: str
) -> None:
    notes_at(bot, BEFORE, [REP, OTHER_REP, MANAGER, REP][:before])
    notes_at(bot, RECENT, [REP, OTHER_REP, MANAGER])
    text = first_digest(bot, tick)
    assert ("Rising: #security" in text) is flagged
    if flagged:
        assert f"3 notes from 3 reps, {times} the weeks before" in text


def test_a_rise_is_flagged_once_and_again_only_after_it_ended(bot: RunningBot, tick: Tick) -> None:
    notes_at(bot, RECENT, [REP, OTHER_REP, MANAGER])
    assert "Rising: #security" in first_digest(bot, tick)

    tick("2026-11-25T09:00:00Z")
    assert "Rising" not in text_of(posts_to(bot)[-1])  # still rising, already flagged

    tick("2026-12-10T09:00:00Z")  # the rise's notes are older than 14 days now: it ended
    assert "Rising" not in text_of(posts_to(bot)[-1])
    notes_at(bot, datetime.fromisoformat("2026-12-10T12:00:00+00:00"), [REP, OTHER_REP, MANAGER])
    tick("2026-12-11T09:00:00Z")
    assert "Rising: #security" in text_of(posts_to(bot)[-1])


def test_a_tag_filtered_digest_flags_only_its_own_tags(bot: RunningBot, tick: Tick) -> None:
    notes_at(bot, RECENT, [REP, OTHER_REP, MANAGER], tag="security")
    notes_at(bot, RECENT, [REP, OTHER_REP, MANAGER], tag="pricing")
    bot.clock.set(START)
    perspective(bot, "digest add <#C0MKT0001|marketing> #pricing always")
    tick(FIRST_DIGEST)
    text = text_of(posts_to(bot)[-1])
    assert "Rising: #pricing" in text and "Rising: #security" not in text


def test_a_digest_without_notes_flags_no_theme(bot: RunningBot, tick: Tick) -> None:
    notes_at(bot, RECENT, [REP, OTHER_REP, MANAGER])
    bot.clock.set(START)
    perspective(bot, "digest add <#C0MKT0001|marketing> sections:deals always")
    tick(FIRST_DIGEST)
    assert "Rising" not in text_of(posts_to(bot)[-1])
