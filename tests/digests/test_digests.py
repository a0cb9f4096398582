"""Digests in Slack: subscription commands, digest content, and the two buttons end to end."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from bot.digests import posting as digests
from bot.digests.blocks import SectionContent, text_sections
from bot.digests.section import SectionRequest
from bot.digests.sections import FIELD_NOTES, DigestSection
from bot.services import Services
from storage import digests as digest_store
from storage import fieldnotes, note_uses
from tests.support.bot import OTHER_REP, REP, TEAM, RunningBot
from tests.support.digests import MARKETING, add_note, posts_to, subscribe
from tests.support.messages import blocks_of, text_of, view_of
from tests.support.replies import perspective, reply_to

MARKETER = "U0MKT0001"


# ---- subscription commands ------------------------------------------------------------------


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
        ("digest add <#C0MKT0001|marketing> 9.30am", "I couldn't read `9.30am`"),
        ("digest add marketing", "Start with the channel"),
        ("digest add", "Start with the channel"),
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
    assert (
        "Only Perspective admins" in perspective(bot, "digest add <#C0MKT0001|>", user=REP)["text"]
    )
    assert "Only Perspective admins" in perspective(bot, "digest list", user=REP)["text"]
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


def test_digest_now_in_a_channel_the_bot_left_says_to_invite_it(bot: RunningBot) -> None:
    perspective(bot, "digest add <#C0MKT0001|marketing>")
    bot.fake.channels_without_bot.add(MARKETING)
    text = perspective(bot, "digest now <#C0MKT0001|marketing>")["text"]
    assert "invite @Perspective to <#C0MKT0001>" in text


# ---- content --------------------------------------------------------------------------------


def test_digest_groups_new_notes_by_first_tag_with_account_rep_and_id(
    services: Services, fake: Any
) -> None:
    before = add_note(services, "old news from before the subscription")
    subscription = subscribe(services)
    pricing = add_note(services, "Per-seat pricing kills it", tags=("pricing", "competitor:gong"))
    gong = add_note(services, "Gong is cheaper", account="Globex", tags=("competitor:gong",))
    bare = add_note(services, "No tags on this one", account=None, tags=(), author=OTHER_REP)

    delivery = digests.send_now(services, subscription, force=False)

    assert delivery.status == "posted"
    [post] = posts_to(fake)
    text = text_of(post)
    assert before.text not in text
    assert "1 new" not in text and "3 new field notes" in text
    blocks = blocks_of(post)
    headings = [
        b["text"]["text"]
        for b in blocks
        if b["type"] == "section" and "·" in b["text"]["text"] and "note #" not in b["text"]["text"]
    ]
    assert any(h.startswith("*#pricing*") for h in headings)
    assert any(h.startswith("*#competitor:gong*") for h in headings)
    assert headings[-1].startswith("*No tag*")  # untagged notes come last
    note_text = {
        b["block_id"]: b["text"]["text"]
        for b in blocks
        if "block_id" in b and b["block_id"].startswith("digest_note:")
    }
    assert f"*Acme Corp* · <@{REP}> · note #{pricing.id}" in note_text[f"digest_note:{pricing.id}"]
    assert "*Globex*" in note_text[f"digest_note:{gong.id}"]
    assert f"<@{OTHER_REP}>" in note_text[f"digest_note:{bare.id}"]
    # the note with two tags sits under its first tag only
    assert text.count(f"note #{pricing.id}") == 1
    assert blocks[0]["type"] == "header" and "Daily digest" in blocks[0]["text"]["text"]


def test_tag_filter_shows_only_matching_notes_under_their_first_matching_tag(
    services: Services, fake: Any
) -> None:
    subscription = subscribe(services, "#competitor")
    gong = add_note(services, "Gong is cheaper", tags=("pricing", "competitor:gong"))
    add_note(services, "Loves the roadmap", tags=("product",))
    add_note(services, "No tags", tags=())

    digests.send_now(services, subscription, force=False)

    [post] = posts_to(fake)
    text = text_of(post)
    assert "Gong is cheaper" in text and "*#competitor:gong*" in text
    assert "*#pricing*" not in text
    assert "Loves the roadmap" not in text and "No tags" not in text
    assert "1 new field note" in text
    assert f"note #{gong.id}" in text


def test_each_digest_shows_only_what_was_recorded_since_the_previous_one(
    services: Services, fake: Any
) -> None:
    subscription = subscribe(services)
    add_note(services, "first day note")
    digests.send_now(services, subscription, force=False)
    services.clock.advance(days=1)
    add_note(services, "second day note")
    refreshed = digest_store.get_subscription(services.db, subscription.id)
    digests.send_now(services, refreshed, force=False)

    first, second = posts_to(fake)
    assert "first day note" in text_of(first) and "second day note" not in text_of(first)
    assert "second day note" in text_of(second) and "first day note" not in text_of(second)


def test_hostile_text_never_pings_anyone_or_breaks_formatting(
    services: Services, fake: Any
) -> None:
    subscription = subscribe(services)
    add_note(
        services,
        "<!channel> ask <@U0BOSS0001> & <!here> about <https://evil.example|this> *now*",
        account="<!everyone> & Sons <@U0BOSS0001>",
        tags=("pricing",),
    )
    digests.send_now(services, subscription, force=False)

    [post] = posts_to(fake)
    text = text_of(post)
    for ping in ("<!channel>", "<!here>", "<!everyone>", "<@U0BOSS0001>", "<https://evil"):
        assert ping not in text
    assert "&lt;!channel&gt;" in text and "&amp; Sons" in text
    assert f"<@{REP}>" in text  # the bot's own mention of the rep is kept


def test_a_digest_past_fifty_blocks_posts_a_summary_and_continues_in_the_thread(
    services: Services, fake: Any
) -> None:
    subscription = subscribe(services)
    for i in range(70):
        add_note(services, f"note number {i}", tags=(f"tag{i % 12}",))

    delivery = digests.send_now(services, subscription, force=False)

    summary, *replies = posts_to(fake)
    assert delivery.ts is not None and len(replies) >= 2
    assert "continues in the thread" in text_of(summary) and "70 new field notes" in text_of(
        summary
    )
    assert all(reply["thread_ts"] == delivery.ts for reply in replies)
    assert all(len(blocks_of(reply)) <= 50 for reply in replies)
    thread = "".join(text_of(reply) for reply in replies)
    headed = [i for i in range(12) if f"*#tag{i}*" in thread]
    listed = [i for i in range(12) if re.search(rf"#tag{i} \(\d\)", thread)]  # "Also new: …"
    assert len(headed) == 8 and sorted(headed + listed) == list(range(12))
    note_blocks = [
        b["block_id"]
        for r in replies
        for b in blocks_of(r)
        if "digest_note:" in b.get("block_id", "")
    ]
    assert (
        len(note_blocks) == len(set(note_blocks)) == 40
    )  # at most 40 notes in full; the others are counted
    assert "more #tag" in thread and "/fieldnote search tag" in thread
    for reply in replies:  # a note is never separated from its buttons
        blocks = blocks_of(reply)
        assert blocks[0]["type"] != "actions"


def test_an_empty_period_posts_nothing_unless_the_subscription_says_always(
    services: Services, fake: Any
) -> None:
    quiet = subscribe(services)
    chatty = subscribe(services, "always", channel="C0CHATTY1")
    services.clock.advance(days=1)

    digests.run_due(services, services.clock())

    assert posts_to(fake) == []
    [post] = posts_to(fake, "C0CHATTY1")
    assert "Nothing new since the last digest" in text_of(post)
    assert digest_store.get_subscription(services.db, quiet.id).period_start > quiet.period_start
    assert chatty.id != quiet.id


def test_preview_renders_without_posting_or_moving_anything(services: Services, fake: Any) -> None:
    subscription = subscribe(services)
    add_note(services, "preview me")
    [message] = digests.preview(services, subscription)
    assert "preview me" in json.dumps(message.blocks)
    assert fake.calls_to("chat.postMessage") == []
    assert digests.preview(services, subscription)[0].blocks == message.blocks


# ---- the buttons, through the real HTTP stack -----------------------------------------------


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
    assert "I've asked" in answer["text"] and answer["response_type"] == "ephemeral"


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


def test_a_used_note_shows_used_in_later_digests(services: Services, fake: Any) -> None:
    note = add_note(services, "used before the weekly digest")
    note_uses.record_use(services.db, TEAM, note.id, MARKETER, "deck", services.clock())
    subscription = subscribe(services)
    later = add_note(services, "fresh note")
    note_uses.record_use(services.db, TEAM, later.id, MARKETER, "deck", services.clock())
    digests.send_now(services, subscription, force=False)
    [post] = posts_to(fake)
    [block] = [b for b in blocks_of(post) if b.get("block_id") == f"digest_note:{later.id}"]
    assert "_used_" in block["text"]["text"]


def test_times_in_the_header_use_the_subscription_zone(services: Services, fake: Any) -> None:
    subscription = subscribe(services, "Asia/Tokyo always")
    services.clock.advance(hours=2)
    digests.send_now(services, subscription, force=False)
    [post] = posts_to(fake)
    start = subscription.period_start.astimezone(digests.ZoneInfo("Asia/Tokyo"))
    assert f"{start:%a %d %b %H:%M} → " in text_of(post) and "(Asia/Tokyo)" in text_of(post)


# ---- another kind of record plugs in as a section -------------------------------------------


def test_a_new_section_kind_plugs_in_with_its_own_cursor_and_no_schema_change(
    services: Services, fake: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    subscription = subscribe(services)  # created before the new kind existed
    recorded = {"latest": 40}
    seen: list[tuple[int, int]] = []

    def build(request: SectionRequest) -> SectionContent:
        seen.append((request.after_id, request.upto_id))
        count = request.upto_id - request.after_id
        lines = [f"event {i}" for i in range(request.after_id + 1, request.upto_id + 1)]
        return SectionContent(count, f"{count} promise events", text_sections(lines))

    events = DigestSection("plugged_in", lambda _db, _team: recorded["latest"], build)
    monkeypatch.setattr(digests, "digest_sections", lambda: [FIELD_NOTES, events])

    digests.send_now(services, subscription, force=False)  # starts at the newest event
    recorded["latest"] = 43
    services.clock.advance(hours=1)
    fake.fail_next("chat.postMessage", error="internal_error")
    refreshed = digest_store.get_subscription(services.db, subscription.id)
    assert digests.send_now(services, refreshed, force=False).status == "failed"
    recorded["latest"] = 45  # recorded after the failed attempt: not in the retried digest
    assert digests.send_now(services, refreshed, force=False).status == "posted"

    assert seen == [(40, 40), (40, 43)]
    _empty, retried = posts_to(fake)
    assert "3 promise events" in text_of(retried) and "event 43" in text_of(retried)
    assert "event 44" not in text_of(retried)
    assert digest_store.cursors(services.db, subscription.id)["plugged_in"] == 43
