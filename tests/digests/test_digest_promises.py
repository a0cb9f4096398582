"""Promises newly broken or at risk in marketing digests: once each, escaped, counted right."""

from __future__ import annotations

from bot.digests.promise_section import MAX_SHOWN, promise_events_section
from bot.digests.section import SectionRequest
from storage import digest_promises
from tests.support.bot import OTHER_REP, REP, TEAM, RunningBot, Tick
from tests.support.digests import header_counts, posts_to, subscribe_by_command
from tests.support.messages import blocks_of, text_of
from tests.support.promises import all_promises, promise_cmd
from tests.support.replies import perspective


def slip_sso(bot: RunningBot) -> None:
    """Two promises need SSO; moving SSO past their due dates puts both at risk."""
    perspective(bot, 'rollout add sso "SSO integration" 2026-12-01')
    promise_cmd(bot, "SSO for the pilot to [Acme] by 2026-12-15 needs:sso", REP)
    promise_cmd(bot, "SSO live to [Hooli] by 2026-12-20 needs:sso", OTHER_REP)
    promise_cmd(bot, "SSO GA to [Initech] by 2027-03-01 needs:sso", REP)  # still safe
    assert "2 promises are now at risk" in perspective(bot, "rollout move sso 2027-02-01")["text"]


def promise_id(bot: RunningBot, account: str) -> int:
    return next(p.id for p in all_promises(bot) if p.account == account)


def test_a_rollout_slip_shows_its_promises_at_risk_in_the_next_digest_only(
    bot: RunningBot, tick: Tick
) -> None:
    subscribe_by_command(bot)
    slip_sso(bot)

    tick("2026-11-24T09:00:00Z")
    [post] = posts_to(bot)
    text = text_of(post)
    assert "2 promises at risk" in header_counts(post)
    assert "*Acme*" in text and "*Hooli*" in text and "Initech" not in text
    assert f"<@{REP}>" in text and f"<@{OTHER_REP}>" in text
    assert "due Tue 15 Dec 2026" in text and "SSO for the pilot" in text
    assert "SSO integration moved from 2026-12-01 to 2027-02-01" in text

    promise_cmd(bot, "Price sheet to [Globex] by 2026-12-10", REP)
    promise_cmd(bot, f"broken {promise_id(bot, 'Globex')} pricing changed", REP)
    tick("2026-11-25T09:00:00Z")
    _first, second = posts_to(bot)
    assert "1 promise broken" in header_counts(second) and "at risk" not in header_counts(second)
    assert "*Globex*" in text_of(second) and "Why: pricing changed" in text_of(second)
    assert "Acme" not in text_of(second) and "Hooli" not in text_of(second)

    tick("2026-11-26T09:00:00Z")
    assert len(posts_to(bot)) == 2  # nothing new: the quiet digest posts nothing


def test_a_promise_past_its_due_date_shows_as_broken_in_that_days_digest(
    bot: RunningBot, tick: Tick
) -> None:
    subscribe_by_command(bot)
    promise_cmd(bot, "Case study draft to [Umbrella] by 2026-11-25", REP)

    tick("2026-11-25T09:00:00Z")
    assert posts_to(bot) == []  # still open on its due day
    tick("2026-11-26T09:00:00Z")
    [post] = posts_to(bot)
    assert "1 promise broken" in header_counts(post)
    assert "*Umbrella*" in text_of(post) and "Why: passed its due date" in text_of(post)


def test_hostile_text_in_a_promise_pings_no_one(bot: RunningBot) -> None:
    subscribe_by_command(bot)
    promise_cmd(
        bot,
        "<!channel> ask <@U0BOSS0001> & <!here> to [<!everyone> & Sons <@U0BOSS0001>] "
        "by 2026-12-10",
        REP,
    )
    promise_cmd(bot, f"broken {all_promises(bot)[0].id} <!channel> said <@U0BOSS0001>", REP)

    assert "posted in <#C0MKT0001>" in perspective(bot, "digest now <#C0MKT0001|marketing>")["text"]
    [post] = posts_to(bot)
    text = text_of(post)
    for ping in ("<!channel>", "<!here>", "<!everyone>", "<@U0BOSS0001>"):
        assert ping not in text
    assert "&lt;!channel&gt; ask &lt;@U0BOSS0001&gt; &amp;" in text
    assert "&lt;!everyone&gt; &amp; Sons" in text
    assert "Why: &lt;!channel&gt; said" in text
    assert f"<@{REP}>" in text  # the bot's own mention of the owner is kept


def test_the_header_counts_every_promise_while_the_list_stops_at_the_cap(
    bot: RunningBot,
) -> None:
    subscribe_by_command(bot)
    perspective(bot, 'rollout add sso "SSO integration" 2026-12-01')
    for number in range(MAX_SHOWN + 2):
        promise_cmd(bot, f"SSO to [Customer {number:02}] by 2026-12-15 needs:sso", REP)
    perspective(bot, "rollout move sso 2027-02-01")
    perspective(bot, "rollout move sso 2026-12-02")  # cleared …
    perspective(bot, "rollout move sso 2027-03-01")  # … and at risk again: still one each

    perspective(bot, "digest now <#C0MKT0001|marketing>")
    [post] = posts_to(bot)
    text = text_of(post)
    assert f"{MAX_SHOWN + 2} promises at risk" in header_counts(post)
    assert text.count("SSO integration moved from") == MAX_SHOWN
    assert "…and 2 more at risk" in text
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks_of(post) if b["type"] == "section")


def test_a_retried_digest_keeps_its_frozen_range(bot: RunningBot, tick: Tick) -> None:
    subscribe_by_command(bot)
    slip_sso(bot)
    bot.fake.fail_next("chat.postMessage", status=429, error="ratelimited")
    tick("2026-11-24T09:00:00Z")
    assert posts_to(bot) == []

    promise_cmd(bot, f"broken {promise_id(bot, 'Acme')} customer chose Okta instead", REP)
    tick("2026-11-24T09:01:00Z")
    [retried] = posts_to(bot)
    assert "2 promises at risk" in header_counts(retried) and "broken" not in header_counts(retried)
    assert "Okta" not in text_of(retried)

    tick("2026-11-25T09:00:00Z")
    _retried, next_day = posts_to(bot)
    assert "1 promise broken" in header_counts(next_day) and "Okta" in text_of(next_day)
    assert "_since broken_" not in text_of(next_day)


def test_the_section_reads_only_its_range_and_says_what_became_of_each_promise(
    bot: RunningBot,
) -> None:
    slip_sso(bot)
    upto = digest_promises.latest_event_id(bot.db, TEAM)
    promise_cmd(bot, f"kept {promise_id(bot, 'Hooli')}", OTHER_REP)
    promise_cmd(bot, f"broken {promise_id(bot, 'Acme')} went with Okta", REP)

    content = promise_events_section(
        SectionRequest(
            db=bot.db,
            team_id=TEAM,
            tags=(),
            after_id=0,
            upto_id=upto,
            period_start=bot.clock(),
            period_end=bot.clock(),
        )
    )

    text = "".join(b["text"]["text"] for b in content.blocks)
    assert (content.count, content.summary) == (2, "2 promises at risk")
    assert "Okta" not in text  # recorded after the range's end
    assert "*Acme*" in text and "_since broken_" in text
    assert "*Hooli*" in text and "_since kept_" in text
