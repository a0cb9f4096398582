"""Closed deals in marketing digests: once each, with the real reason and the customer's words,
late reasons in the next digest, reason counts and competitors, escaped — on both databases."""

from __future__ import annotations

from typing import Any

from bot.digests.deal_section import MAX_SHOWN, deals_section
from bot.digests.section import SectionRequest
from storage import deals
from storage.deals import DealClosure
from tests.support.bot import OTHER_REP, REP, TEAM, RunningBot, Tick
from tests.support.deals import ACME, press_reason, send_deal, settle, submit_answer
from tests.support.digests import header_counts, posts_to, subscribe_by_command
from tests.support.messages import blocks_of, text_of
from tests.support.replies import perspective

GLOBEX = {
    **ACME,
    "deal_id": "crm-2002",
    "name": "Globex expansion",
    "account": "Globex",
    "amount": 12500,
    "currency": "EUR",
    "outcome": "won",
    "owner_slack_id": OTHER_REP,
}


def close(bot: RunningBot, deal: dict[str, Any]) -> DealClosure:
    """Close a deal through the signed CRM webhook; returns its closure once the rep was asked."""
    assert send_deal(bot, deal).status == 200
    settle(bot)
    closures = [c for c in deals.all_closures(bot.db) if c.deal.deal_id == deal["deal_id"]]
    assert closures[-1].prompt_ts is not None
    return closures[-1]


def answer(bot: RunningBot, closure: DealClosure, reason: str, **values: Any) -> None:
    """The owner presses a reason button on the prompt DM and submits the modal."""
    owner = closure.owner_id or REP
    press_reason(bot, closure, reason, user=owner)
    assert submit_answer(bot, closure.id, reason, user=owner, **values).status == 200
    bot.fake.wait_for("chat.update", where=lambda a: a["ts"] == closure.prompt_ts)


def digest_now(bot: RunningBot) -> dict[str, Any]:
    assert "posted in <#C0MKT0001>" in perspective(bot, "digest now <#C0MKT0001|marketing>")["text"]
    return posts_to(bot)[-1]


def test_a_closed_and_answered_deal_shows_once_with_its_reason_and_the_customers_words(
    bot: RunningBot, tick: Tick
) -> None:
    subscribe_by_command(bot)
    answer(bot, close(bot, ACME), "competitor")
    close(bot, GLOBEX)

    tick("2026-11-24T09:00:00Z")
    [post] = posts_to(bot)
    text = text_of(post)
    assert "2 deals closed (1 lost, 1 won)" in header_counts(post)
    assert ":x: *Acme renewal* · $48,000 · Acme Corp · closed lost <!date^" in text
    assert "|Mon 23 Nov 2026>" in text
    assert f"<@{REP}>" in text and f"<@{OTHER_REP}>" in text
    assert "Reason: *Competitor* · vs Gong · :speech_balloon: talked to the customer" in text
    assert "> Gong bundled call recording for free and the CFO took it" in text
    assert "For marketing: Lead with the recording roadmap" in text
    assert ":trophy: *Globex expansion* · €12,500 · Globex" in text
    assert "Reason not in yet" in text
    assert text.index("*Acme renewal*") < text.index("*Globex expansion*")  # lost first

    tick("2026-11-25T09:00:00Z")
    assert len(posts_to(bot)) == 1  # nothing new: shown once, and no quiet digest


def test_a_reason_that_arrives_after_its_deal_was_shown_reaches_the_next_digest(
    bot: RunningBot, tick: Tick
) -> None:
    subscribe_by_command(bot)
    acme = close(bot, ACME)
    tick("2026-11-24T09:00:00Z")
    [first] = posts_to(bot)
    assert "*Acme renewal*" in text_of(first) and "Reason not in yet" in text_of(first)

    answer(bot, acme, "price", competitor=None, customer_said="Your list price was 30% over")
    tick("2026-11-25T09:00:00Z")
    _first, second = posts_to(bot)
    assert "1 reason in for earlier deals" in header_counts(second)
    assert "deals closed" not in header_counts(second)
    text = text_of(second)
    assert "*Reasons in for deals shown earlier* · 1" in text
    assert "*Acme renewal*" in text and "Reason: *Price*" in text
    assert "> Your list price was 30% over" in text and "*Lost reasons:* Price 1" in text

    tick("2026-11-26T09:00:00Z")
    assert len(posts_to(bot)) == 2  # the reason is shown once


def test_reason_counts_and_top_competitors_cover_the_answers_shown(bot: RunningBot) -> None:
    before = close(bot, {**ACME, "deal_id": "crm-0", "name": "Old deal"})
    subscribe_by_command(bot)  # the deal above was closed before: only its reason is new
    answer(bot, before, "competitor", competitor="Chorus")
    lost = [close(bot, {**ACME, "deal_id": f"crm-{n}", "name": f"Deal {n}"}) for n in (1, 2, 3)]
    answer(bot, lost[0], "competitor", competitor="Gong")
    answer(bot, lost[1], "competitor", competitor=" gong ")
    answer(bot, lost[2], "price", competitor=None)
    answer(bot, close(bot, GLOBEX), "competitor_weakness", competitor="Chorus", talked=None)

    post = digest_now(bot)
    text = text_of(post)
    assert "4 deals closed (3 lost, 1 won), 1 reason in for earlier deals" in header_counts(post)
    assert "*Lost reasons:* Competitor 3 · Price 1" in text
    assert "*Won reasons:* Competitor weakness 1" in text
    assert "*Top competitors:* Chorus 2 · Gong 2" in text
    assert text.count(":speech_balloon: talked to the customer") == 4  # not the Globex answer


def mrkdwn_of(post: dict[str, Any]) -> str:
    """Every text Slack parses for mentions: the fallback text and each mrkdwn object."""
    found = [post.get("text") or ""]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks_of(post))
    return "\n".join(found)


def test_hostile_text_in_a_deal_pings_no_one(bot: RunningBot) -> None:
    subscribe_by_command(bot)
    hostile = {
        **ACME,
        "name": "<!channel> renewal & <@U0BOSS0001>",
        "account": "<!everyone> & Sons <@U0BOSS0001>",
    }
    answer(
        bot,
        close(bot, hostile),
        "competitor",
        competitor="<!here> Gong",
        customer_said="<!channel> tell <@U0BOSS0001> we <3 Gong & co",
        marketing_note="<!here> ping <@U0BOSS0001>",
    )

    post = digest_now(bot)
    text = mrkdwn_of(post)
    for ping in ("<!channel>", "<!here>", "<!everyone>", "<@U0BOSS0001>"):
        assert ping not in text
    button = next(b for b in blocks_of(post) if b["type"] == "actions")["elements"][0]
    assert button["text"]["type"] == "plain_text"  # Slack reads no mention in plain text
    assert "*&lt;!channel&gt; renewal &amp; &lt;@U0BOSS0001&gt;*" in text
    assert "&lt;!everyone&gt; &amp; Sons" in text
    assert "> &lt;!channel&gt; tell &lt;@U0BOSS0001&gt; we &lt;3 Gong &amp; co" in text
    assert "For marketing: &lt;!here&gt; ping" in text
    assert "vs &lt;!here&gt; Gong" in text
    assert f"<@{REP}>" in text  # the bot's own mention of the owner is kept


def test_a_retried_digest_keeps_its_frozen_range(bot: RunningBot, tick: Tick) -> None:
    subscribe_by_command(bot)
    acme = close(bot, ACME)
    bot.fake.fail_next("chat.postMessage", status=429, error="ratelimited")
    tick("2026-11-24T09:00:00Z")
    assert posts_to(bot) == []

    answer(bot, acme, "price", competitor=None, customer_said="Too expensive for this year")
    close(bot, GLOBEX)
    tick("2026-11-24T09:01:00Z")
    [retried] = posts_to(bot)
    assert "1 deal closed (1 lost)" in header_counts(retried)
    assert "Reason not in yet" in text_of(retried)
    assert "Too expensive" not in text_of(retried) and "Globex" not in text_of(retried)

    tick("2026-11-25T09:00:00Z")
    _retried, next_day = posts_to(bot)
    assert "1 deal closed (1 won), 1 reason in for earlier deals" in header_counts(next_day)
    assert "*Globex expansion*" in text_of(next_day) and "> Too expensive for this year" in text_of(
        next_day
    )


def test_the_header_counts_every_deal_while_the_list_stops_at_the_cap(bot: RunningBot) -> None:
    subscribe_by_command(bot)
    for number in range(MAX_SHOWN + 2):
        close(bot, {**ACME, "deal_id": f"crm-{number}", "name": f"Deal {number:02}"})

    post = digest_now(bot)
    text = text_of(post)
    assert f"{MAX_SHOWN + 2} deals closed ({MAX_SHOWN + 2} lost)" in header_counts(post)
    assert text.count(":x: *Deal ") == MAX_SHOWN
    assert "…and 2 more lost deals" in text
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks_of(post) if b["type"] == "section")


def test_a_changed_outcome_shows_both_closures_with_the_old_one_marked(bot: RunningBot) -> None:
    subscribe_by_command(bot)
    close(bot, ACME)
    close(bot, {**ACME, "outcome": "won"})

    post = digest_now(bot)
    text = text_of(post)
    assert "2 deals closed (1 lost, 1 won)" in header_counts(post)
    assert "|Mon 23 Nov 2026> · <@" in text and "_outcome since changed_" in text
    assert text.count("Reason not in yet") == 1  # only the current closure is still asked


def test_the_section_reads_only_its_frozen_ranges(bot: RunningBot) -> None:
    acme = close(bot, ACME)
    answer(bot, acme, "price", competitor=None)
    later = close(bot, GLOBEX)
    answer(bot, later, "product_fit", competitor=None)
    first_answer, second_answer = (c.answer.id for c in deals.all_closures(bot.db) if c.answer)

    def build(closures: tuple[int, int], answers: tuple[int, int]) -> tuple[int, str]:
        ranges = {"deal_closures": closures, "deal_answers": answers}
        content = deals_section(
            SectionRequest(bot.db, TEAM, (), *closures, bot.clock(), bot.clock(), ranges)
        )
        return content.count, "".join(b["text"]["text"] for b in content.blocks)

    # Frozen before the answer came in: the deal without its reason, which a later digest shows.
    count, text = build((0, acme.id), (0, first_answer - 1))
    assert count == 1 and "Reason not in yet" in text and "Price" not in text
    # An answer whose closure lies past the closure bound waits for that closure's digest.
    count, text = build((0, acme.id), (0, second_answer))
    assert count == 1 and "Globex" not in text and "Product fit" not in text
    # … which shows both, although the answer's range is behind it.
    count, text = build((acme.id, later.id), (second_answer, second_answer))
    assert count == 1 and "Globex" in text and "Reason: *Product fit*" in text
