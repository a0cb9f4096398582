"""What a digest shows: new notes grouped by tag, since the previous digest, safely quoted,
split across a thread past Slack's limits, and other kinds of record as sections."""

from __future__ import annotations

import json
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.digests import posting as digests
from bot.digests.blocks import SectionContent, text_sections
from bot.digests.section import SectionRequest
from bot.digests.sections import FIELD_NOTES, DigestSection
from bot.services import Services
from storage import digests as digest_store
from storage import note_uses
from tests.support.bot import OTHER_REP, REP, TEAM
from tests.support.digests import MARKETER, add_note, posts_to, subscribe
from tests.support.messages import blocks_of, text_of


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


def test_a_large_digest_stays_short_in_the_channel_and_carries_every_note_in_its_thread(
    services: Services, fake: Any
) -> None:
    subscription = subscribe(services)
    notes = [add_note(services, f"note number {i}", tags=(f"tag{i % 12}",)) for i in range(70)]

    delivery = digests.send_now(services, subscription, force=False)

    post, *replies = posts_to(fake)
    assert delivery.ts is not None and len(replies) >= 3
    channel = text_of(post)
    assert "70 new field notes" in channel and "continues in the thread" in channel
    assert re.search(r"#tag0 \(6\)", channel) and re.search(r"#tag11 \(5\)", channel)
    in_channel = [b for b in blocks_of(post) if b.get("block_id", "").startswith("digest_note:")]
    assert len(in_channel) == 5
    assert all(reply["thread_ts"] == delivery.ts for reply in replies)
    in_thread = [
        b["block_id"]
        for reply in replies
        for b in blocks_of(reply)
        if b.get("block_id", "").startswith("digest_note:")
    ]
    assert sorted(in_thread) == sorted(f"digest_note:{note.id}" for note in notes)
    thread = "".join(text_of(reply) for reply in replies)
    assert all(f"*#tag{i}*" in thread for i in range(12))
    for reply in replies:  # a note is never separated from its buttons
        blocks = blocks_of(reply)
        assert blocks[0]["type"] != "actions" and blocks[-1]["type"] == "actions"


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
    start = subscription.period_start.astimezone(ZoneInfo("Asia/Tokyo"))
    assert f"{start:%a} {start.day} {start:%b %Y %H:%M} → " in text_of(post)
    assert "(Asia/Tokyo)" in text_of(post)


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

    # starts at the newest event; nothing new, so nothing posted
    assert digests.send_now(services, subscription, force=False).status == "empty"
    recorded["latest"] = 43
    services.clock.advance(hours=1)
    fake.fail_next("chat.postMessage", error="internal_error")
    refreshed = digest_store.get_subscription(services.db, subscription.id)
    assert digests.send_now(services, refreshed, force=False).status == "failed"
    recorded["latest"] = 45  # recorded after the failed attempt: not in the retried digest
    assert digests.send_now(services, refreshed, force=False).status == "posted"

    assert seen == [(40, 40), (40, 43)]
    [retried] = posts_to(fake)
    assert "3 promise events" in text_of(retried) and "event 43" in text_of(retried)
    assert "event 44" not in text_of(retried)
    assert digest_store.cursors(services.db, subscription.id)["plugged_in"] == 43
