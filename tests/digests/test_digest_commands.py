"""Digest subscriptions made, listed and removed through `/perspective digest …`."""

from __future__ import annotations

import pytest

from storage import digests as digest_store
from tests.support.bot import REP, TEAM, RunningBot
from tests.support.digests import MARKETING, add_note, posts_to
from tests.support.fieldnotes import fieldnote
from tests.support.messages import text_of
from tests.support.replies import perspective


def test_admin_adds_a_weekly_digest_with_time_zone_and_tags(bot: RunningBot) -> None:
    text = perspective(
        bot, "digest add <#C0MKT0001|marketing> weekly 08:30 Europe/Berlin #pricing #Competitor"
    )["text"]
    [subscription] = digest_store.subscriptions(bot.db, TEAM)
    assert (subscription.channel_id, subscription.cadence, subscription.post_at) == (
        MARKETING,
        "weekly",
        "08:30",
    )
    assert subscription.timezone == "Europe/Berlin"
    assert subscription.tag_filter == ("pricing", "competitor")
    assert "weekly at 08:30 Europe/Berlin" in text and "Mon" in text


def test_digest_add_defaults_to_daily_at_nine_in_the_workspace_zone_for_every_tag(
    bot: RunningBot,
) -> None:
    text = perspective(bot, "digest add <#C0MKT0001|>")["text"]
    [subscription] = digest_store.subscriptions(bot.db, TEAM)
    assert (subscription.cadence, subscription.post_at, subscription.timezone) == (
        "daily",
        "09:00",
        "UTC",
    )
    assert subscription.tag_filter == () and not subscription.post_when_empty
    assert "every tag" in text


def test_a_tag_that_is_also_a_channel_name_is_read_as_a_tag(bot: RunningBot) -> None:
    perspective(bot, "digest add <#C0MKT0001|marketing> <#C0PRICE01|pricing> always")
    [subscription] = digest_store.subscriptions(bot.db, TEAM)
    assert subscription.tag_filter == ("pricing",) and subscription.post_when_empty


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("digest add <#C0MKT0001|marketing> Europe/Berln", "isn't a time zone I know"),
        ("digest add <#C0MKT0001|marketing> berlin", "Did you mean `Europe/Berlin`?"),
        ("digest add <#C0MKT0001|marketing> 25:00", "isn't a time of day"),
        ("digest add <#C0MKT0001|marketing> 9.30am", "isn't a time of day I can read"),
        ("digest add <#C0MKT0001|marketing> soon", "I couldn't read `soon`"),
        ("digest add marketing", "Start with the channel"),
        ("digest add <#C0NOBOT01|secret>", "invite @Perspective to <#C0NOBOT01>"),
        ("digest remove three", "by its number"),
        ("digest remove 99", "There is no digest #99"),
        ("digest now", "Say which channel"),
        ("digest now <#C0MKT0001|marketing>", "No digest goes to <#C0MKT0001>"),
    ],
)
def test_bad_digest_commands_say_how_to_do_it_and_store_nothing(
    bot: RunningBot, text: str, expected: str
) -> None:
    bot.fake.channels_without_bot.add("C0NOBOT01")
    assert expected in perspective(bot, text)["text"]
    assert digest_store.subscriptions(bot.db, TEAM) == []
    assert posts_to(bot) == []


def test_the_same_digest_twice_in_a_channel_is_refused(bot: RunningBot) -> None:
    perspective(bot, "digest add <#C0MKT0001|marketing> #pricing")
    [existing] = digest_store.subscriptions(bot.db, TEAM)
    text = perspective(bot, "digest add <#C0MKT0001|marketing> 17:00 #pricing")["text"]
    assert f"already gets this daily digest (#{existing.id})" in text
    perspective(bot, "digest add <#C0MKT0001|marketing> weekly #pricing")
    assert len(digest_store.subscriptions(bot.db, TEAM)) == 2


def test_digest_commands_are_for_admins_only(bot: RunningBot) -> None:
    assert "Only workspace admins" in perspective(bot, "digest add <#C0MKT0001|>", user=REP)["text"]
    assert "Only workspace admins" in perspective(bot, "digest list", user=REP)["text"]
    assert digest_store.subscriptions(bot.db, TEAM) == []


def test_list_shows_each_digest_and_remove_stops_it(bot: RunningBot) -> None:
    perspective(bot, "digest add <#C0MKT0001|marketing> weekly")
    perspective(bot, "digest add <#C0PROD001|product> 17:30 America/New_York #roadmap")
    listing = perspective(bot, "digest list")["text"]
    first, second = digest_store.subscriptions(bot.db, TEAM)
    assert f"*#{first.id}* <#C0MKT0001>, weekly at 09:00 UTC" in listing
    assert f"*#{second.id}* <#C0PROD001>, daily at 17:30 America/New_York, `#roadmap`" in listing
    assert "removed" in perspective(bot, f"digest remove {first.id}")["text"]
    assert [s.id for s in digest_store.subscriptions(bot.db, TEAM)] == [second.id]
    perspective(bot, f"digest remove {second.id}")
    assert digest_store.subscriptions(bot.db, TEAM) == []
    assert "No digests yet" in perspective(bot, "digest list")["text"]


def test_help_lists_the_digest_commands(bot: RunningBot) -> None:
    text = perspective(bot, "help")["text"]
    for command in ("digest add", "digest list", "digest remove", "digest now"):
        assert command in text


def test_digest_now_posts_what_is_new_in_the_channel(bot: RunningBot) -> None:
    perspective(bot, "digest add <#C0MKT0001|marketing>")
    add_note(bot.services, "CFO says per-seat pricing kills it")
    text = perspective(bot, "digest now <#C0MKT0001|marketing>")["text"]
    assert "posted in <#C0MKT0001>" in text
    [post] = posts_to(bot)
    assert "CFO says per-seat pricing kills it" in text_of(post)


def test_digest_now_with_nothing_new_posts_nothing_unless_always(bot: RunningBot) -> None:
    perspective(bot, "digest add <#C0MKT0001|marketing>")
    text = perspective(bot, "digest now <#C0MKT0001|marketing>")["text"]
    assert text.startswith("Nothing new for digest #1 in <#C0MKT0001> since the last one")
    assert bot.fake.calls_to("chat.postMessage") == []


def test_digest_now_in_a_channel_the_bot_left_says_to_invite_it(bot: RunningBot) -> None:
    perspective(bot, "digest add <#C0MKT0001|marketing>")
    fieldnote(bot, "[Acme] wants SSO #security")
    bot.fake.channels_without_bot.add(MARKETING)
    text = perspective(bot, "digest now <#C0MKT0001|marketing>")["text"]
    assert "invite @Perspective to <#C0MKT0001>" in text
