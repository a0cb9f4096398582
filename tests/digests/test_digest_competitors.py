"""A *Competitor* button next to every competitor a digest shows: the competitors deals were
lost to or won against, and the `competitor:<name>` tag groups of its notes."""

from __future__ import annotations

from bot.slack.rules import validate_message
from tests.digests.test_digest_deals import GLOBEX, answer, close, digest_now
from tests.support.bot import RunningBot
from tests.support.deals import ACME
from tests.support.digests import MARKETER, MARKETING, add_note, posts_to, subscribe_by_command
from tests.support.messages import blocks_of, text_of
from tests.support.replies import reply_to


def competitor_buttons(blocks: list[dict]) -> list[tuple[str, str]]:
    """(label, value) of every *Competitor* button in the blocks, accessories included."""
    elements = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    elements += [b["accessory"] for b in blocks if "accessory" in b]
    return [
        (e["text"]["text"], e["value"]) for e in elements if e["action_id"] == "intel_competitor"
    ]


def test_each_competitor_a_deal_names_gets_one_button_that_opens_its_view(
    bot: RunningBot,
) -> None:
    subscribe_by_command(bot)
    answer(bot, close(bot, ACME), "competitor", competitor="Gong")
    answer(bot, close(bot, {**ACME, "deal_id": "crm-3"}), "competitor", competitor=" gong ")
    answer(bot, close(bot, GLOBEX), "competitor_weakness", competitor="Chorus", talked=None)

    post = digest_now(bot)
    validate_message({"blocks": blocks_of(post), "text": post["text"]})
    assert competitor_buttons(blocks_of(post)) == [
        ("Competitor: Gong", "Gong"),
        ("Competitor: Chorus", "Chorus"),
    ]

    reply, url = bot.slack.block_action(
        "intel_competitor", "Gong", user=MARKETER, channel=MARKETING
    )
    assert reply.status == 200
    assert "Gong" in reply_to(bot, url)["text"]


def test_a_competitor_tag_group_of_notes_carries_its_button(bot: RunningBot) -> None:
    subscribe_by_command(bot)
    add_note(bot.services, "Gong demoed call scoring", tags=("competitor:gong",))
    add_note(bot.services, "Wants SSO", tags=("pricing",))

    post = digest_now(bot)
    headers = [b for b in blocks_of(post) if "accessory" in b]
    assert [h["text"]["text"] for h in headers] == ["*#competitor:gong* · 1 note"]
    assert competitor_buttons(blocks_of(post)) == [("Competitor: gong", "gong")]


def test_a_long_digest_puts_the_buttons_under_its_tag_counts(bot: RunningBot) -> None:
    subscribe_by_command(bot)
    for n in range(4):
        add_note(bot.services, f"Gong discount {n}", tags=("competitor:gong",))
        add_note(bot.services, f"Chorus bundle {n}", tags=("competitor:chorus",))

    digest_now(bot)
    [post] = [p for p in posts_to(bot) if not p.get("thread_ts")]
    [thread] = [p for p in posts_to(bot) if p.get("thread_ts")]
    assert "*By tag:*" in text_of(post)
    buttons = [("Competitor: chorus", "chorus"), ("Competitor: gong", "gong")]
    assert sorted(competitor_buttons(blocks_of(post))) == buttons  # under the counts
    assert sorted(competitor_buttons(blocks_of(thread))) == buttons  # beside each group
