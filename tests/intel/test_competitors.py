"""The competitor view, the competitor list, aliases and the *Competitor* button, on notes
and deals recorded through the real commands, webhook and forms."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.runtime.scheduler import run_tick
from storage import deals
from tests.support.bot import ADMIN, OTHER_REP, REP, START, RunningBot
from tests.support.deals import ACME, send_deal, settle, submit_answer
from tests.support.fieldnotes import fieldnote
from tests.support.messages import blocks_of, text_of
from tests.support.replies import perspective, reply_to

NOTES = [  # (days before START, author, /fieldnote text)
    (100, REP, "[Hooli] old pricing complaint #competitor:gong"),
    (60, REP, "[Initech] Gong is half our price"),
    (10, OTHER_REP, "[Acme Corp] they love GONG call recording #pricing"),
    (5, REP, "[Globex] Chorus came up again #competitor:chorus"),
    (3, OTHER_REP, "[Umbrella] Clari demo went well #competitor:clari"),
    (2, REP, "[Stark] nobody else in the running #pricing"),
]
DEALS = [  # (deal id, days before START, outcome, reason, competitor, what the customer said)
    ("crm-1", 20, "lost", "competitor", "Gong", "Gong bundled recording for free"),
    ("crm-2", 50, "won", "competitor_weakness", "gong", "Their support never called back"),
    ("crm-3", 40, "lost", "competitor", "Clari", "Clari had the forecasting we lacked"),
]


def record_field(bot: RunningBot) -> None:
    """The notes and answered deals above, each recorded on its own day."""
    perspective(bot, "settings win-prompts on")
    for days, author, text in NOTES:
        bot.clock.set(START - timedelta(days=days))
        assert "Saved note" in fieldnote(bot, text, user=author)["text"]
    for answered, (deal_id, days, outcome, reason, competitor, said) in enumerate(DEALS, 1):
        closed = START - timedelta(days=days)
        bot.clock.set(closed + timedelta(hours=1))
        deal = {**ACME, "deal_id": deal_id, "outcome": outcome, "closed_at": closed.isoformat()}
        assert send_deal(bot, deal).status == 200
        settle(bot)
        closure = max(deals.all_closures(bot.db), key=lambda c: c.id)
        submit_answer(bot, closure.id, reason, competitor=competitor, customer_said=said)
        bot.fake.wait_for("chat.update", count=answered)
    bot.clock.set(START)


def test_the_view_counts_notes_deals_and_reps_for_30_and_90_days(bot: RunningBot) -> None:
    record_field(bot)
    shown = text_of(fieldnote(bot, "competitor GONG"))
    assert "*Last 30 days:* 1 note · lost 1 to them · won 0 against them · won 0 of 1 (0%)" in shown
    assert (
        "*Last 90 days:* 2 notes · lost 1 to them · won 1 against them · won 1 of 2 (50%)" in shown
    )
    assert f"<@{REP}> 3 · <@{OTHER_REP}> 1" in shown  # 1 note + 2 answers; 1 note


def test_quotes_put_the_customers_words_from_answers_before_notes(bot: RunningBot) -> None:
    record_field(bot)
    shown = text_of(fieldnote(bot, "competitor gong"))
    order = [
        "Gong bundled recording for free",
        "Their support never called back",
        "they love GONG call recording",
        "Gong is half our price",
        "old pricing complaint",
    ]
    positions = [shown.index(quote) for quote in order]
    assert positions == sorted(positions)
    assert "Clari had the forecasting" not in shown


def test_an_alias_counts_what_was_said_under_either_name(bot: RunningBot) -> None:
    record_field(bot)
    refused = perspective(bot, "competitor alias gong chorus", user=REP)["text"]
    assert "Only workspace admins" in refused
    assert "now counts for *gong*" in perspective(bot, "competitor alias Gong Chorus")["text"]
    for name in ("gong", "CHORUS"):
        shown = text_of(fieldnote(bot, f"competitor {name}"))
        assert "*Last 30 days:* 2 notes" in shown
        assert "*Last 90 days:* 3 notes" in shown
    later = fieldnote(bot, "[Wayne] chorus is bundling too")
    assert "Saved note" in later["text"]
    assert "*Last 30 days:* 3 notes" in text_of(fieldnote(bot, "competitor gong"))


def test_an_alias_typed_as_a_domain_arrives_as_a_link_and_still_counts(bot: RunningBot) -> None:
    fieldnote(bot, "[Acme] they use gong.io for calls #competitor:gong")
    answer = perspective(bot, "competitor alias gong <http://gong.io|gong.io>")["text"]
    assert "*gong.io* now counts for *gong*" in answer
    assert "*Last 30 days:* 1 note" in text_of(fieldnote(bot, "competitor gong.io"))


def test_a_competitor_first_named_in_an_answer_finds_older_notes_naming_it(
    bot: RunningBot,
) -> None:
    fieldnote(bot, "[Acme] asked whether we integrate with Outreach")
    deal = {**ACME, "closed_at": (START - timedelta(hours=2)).isoformat()}
    assert send_deal(bot, deal).status == 200
    settle(bot)
    [closure] = list(deals.all_closures(bot.db))
    submit_answer(bot, closure.id, "competitor", competitor="Outreach")
    bot.fake.wait_for("chat.update")
    shown = text_of(fieldnote(bot, "competitor outreach"))
    assert "*Last 30 days:* 1 note · lost 1 to them" in shown


def test_a_first_tag_counts_older_notes_from_the_next_tick(bot: RunningBot) -> None:
    fieldnote(bot, "[Acme] asked whether we integrate with Salesloft")
    fieldnote(bot, "[Acme] Salesloft is cheaper #competitor:salesloft")  # no scan in the ack
    assert "*Last 30 days:* 1 note" in text_of(fieldnote(bot, "competitor salesloft"))
    run_tick(bot.services, bot.clock.now)
    assert "*Last 30 days:* 2 notes" in text_of(fieldnote(bot, "competitor salesloft"))


def test_the_list_puts_the_most_mentioned_first_with_win_rates(bot: RunningBot) -> None:
    record_field(bot)
    blocks = blocks_of(fieldnote(bot, "competitors"))
    lines = [b["text"]["text"] for b in blocks if b["type"] == "section"][1:]
    assert lines[0].startswith("*gong* — 2 notes · won 1 of 2 (50%)")
    assert any(line.startswith("*clari* — 1 note · won 0 of 1 (0%)") for line in lines)
    assert blocks[1]["accessory"]["action_id"] == "intel_competitor"


def test_an_unknown_competitor_is_refused_with_a_hint(bot: RunningBot) -> None:
    fieldnote(bot, "[Acme] #competitor:gong came up")
    shown = fieldnote(bot, "competitor gongg")["text"]
    assert "Nobody in the field has mentioned *gongg*" in shown
    assert "Did you mean `gong`?" in shown
    assert "Say which competitor" in fieldnote(bot, "competitor")["text"]
    assert "competitor <name>" in fieldnote(bot, "help")["text"]


@pytest.mark.parametrize("user", [ADMIN, REP])
def test_deal_stats_has_a_competitor_button_that_opens_the_view_privately(
    bot: RunningBot, user: str
) -> None:
    record_field(bot)
    stats = perspective(bot, "deal stats", user=user)
    [buttons] = [b for b in blocks_of(stats) if b["type"] == "actions"]
    values = [element["value"] for element in buttons["elements"]]
    assert values[0] == "Gong"
    reply, url = bot.slack.block_action("intel_competitor", "Gong", user=user)
    assert reply.status == 200
    shown = reply_to(bot, url)
    assert shown["response_type"] == "ephemeral"
    assert shown["replace_original"] is False
    assert "*Last 90 days:* 2 notes" in json.dumps(shown["blocks"])
