"""The weekly chart in the digest's thread: a real PNG of loss reasons and top tags over 12
weeks, uploaded with files_upload_v2 through the fake Slack's three upload steps, once, with
alt text that says the same numbers — and the upload rules the fake Slack holds it to."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.fake import FakeSlack, FakeSlackServer
from storage import digests as digest_store
from tests.digests.test_digest_deals import answer, close
from tests.support.bot import OTHER_REP, REP, START, TEAM, RunningBot, Tick, tick_concurrently
from tests.support.deals import ACME
from tests.support.digests import MARKETING, posts_to
from tests.support.fieldnotes import fieldnote
from tests.support.messages import text_of
from tests.support.replies import perspective

PNG = b"\x89PNG\r\n\x1a\n"
MONDAY = "2026-11-30T09:00:00Z"  # the first weekly slot after START (Monday 23 Nov)


def twelve_weeks(bot: RunningBot) -> None:
    """Notes (recorded in time order, as a clock records them) and answered lost deals
    spread over the weeks before the first weekly digest."""
    bot.clock.set(START - timedelta(weeks=5))
    fieldnote(bot, "[Globex] per-seat pricing #pricing", user=OTHER_REP)
    for weeks_ago, count in ((3, 1), (1, 3)):
        bot.clock.set(START - timedelta(weeks=weeks_ago - 1, days=1))
        for i in range(count):
            fieldnote(bot, f"[Acme] SOC 2 again {weeks_ago}/{i} #security")
    for weeks_ago, reason in ((1, "price"), (1, "competitor"), (2, "price")):
        bot.clock.set(START - timedelta(weeks=weeks_ago - 1, days=2))
        deal = {**ACME, "deal_id": f"crm-{weeks_ago}-{reason}", "name": f"Deal {reason}"}
        answer(bot, close(bot, deal), reason)
    bot.clock.set(START)


def test_a_weekly_digest_uploads_its_chart_into_its_thread_with_the_numbers_in_words(
    bot: RunningBot, tick: Tick
) -> None:
    twelve_weeks(bot)
    perspective(bot, "digest add <#C0MKT0001|marketing> weekly 09:00 UTC")
    fieldnote(bot, "[Acme] new this week #security")

    tick(MONDAY)

    [post] = posts_to(bot)
    assert "the chart is in the thread" in text_of(post)
    [chart] = bot.fake.shared_files(MARKETING)
    assert chart.content is not None and chart.content.startswith(PNG)
    assert len(chart.content) == chart.length > 10_000
    assert chart.thread_ts == post_ts(bot) and chart.filename.endswith(".png")
    assert chart.title is not None and "12 weeks" in chart.title
    alt = chart.alt_txt or ""
    assert alt.startswith("Weekly counts for the 12 weeks from 7 Sep to 23 Nov, oldest first.")
    assert "lost for Price: 2 in all (0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0)" in alt
    assert "lost for Competitor: 1 in all (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0)" in alt
    assert "notes on #security: 5 in all (0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 3, 1)" in alt
    assert "notes on #pricing: 1 in all (0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0)" in alt


def post_ts(bot: RunningBot) -> str | None:
    [subscription] = digest_store.subscriptions(bot.db, TEAM)
    period = digest_store.last_sent_period(bot.db, subscription.id)
    return period.message_ts if period else None


def test_a_daily_digest_carries_the_chart_only_when_added_with_chart(
    bot: RunningBot, tick: Tick
) -> None:
    twelve_weeks(bot)
    perspective(bot, "digest add <#C0MKT0001|marketing> daily")
    perspective(bot, "digest add <#C0CHART01|charts> daily #security chart")
    fieldnote(bot, "[Acme] new today #security")

    tick("2026-11-24T09:00:00Z")

    assert bot.fake.shared_files(MARKETING) == []
    [chart] = bot.fake.shared_files("C0CHART01")
    assert "#security" in (chart.alt_txt or "") and "#pricing" not in (chart.alt_txt or "")


def test_a_failed_upload_is_retried_by_the_next_tick_without_posting_the_digest_twice(
    bot: RunningBot, tick: Tick
) -> None:
    twelve_weeks(bot)
    perspective(bot, "digest add <#C0MKT0001|marketing> weekly")
    fieldnote(bot, "[Acme] new this week #security")
    bot.fake.fail_next("files.completeUploadExternal", error="internal_error")

    tick(MONDAY)  # the digest is logged as failed, and its claim released
    assert len(posts_to(bot)) == 1 and bot.fake.shared_files(MARKETING) == []

    tick("2026-11-30T09:01:00Z")
    assert len(posts_to(bot)) == 1
    assert len(bot.fake.shared_files(MARKETING)) == 1
    tick("2026-11-30T09:02:00Z")
    assert len(bot.fake.calls_to("files.completeUploadExternal")) == 1


def test_a_weekly_digest_with_nothing_to_chart_uploads_nothing(bot: RunningBot, tick: Tick) -> None:
    perspective(bot, "digest add <#C0MKT0001|marketing> weekly always")
    tick(MONDAY)
    assert len(posts_to(bot)) == 1 and bot.fake.calls_to("files.getUploadURLExternal") == []


# ---- what the fake Slack refuses, as Slack does ------------------------------------------


@pytest.fixture
def client(fake: FakeSlack, fake_slack_server: FakeSlackServer) -> WebClient:
    return WebClient(token=fake.token, base_url=fake_slack_server.api_url)


def error_of(call: Any) -> str:
    with pytest.raises(SlackApiError) as refused:
        call()
    return refused.value.response["error"]


def test_an_upload_url_needs_a_filename_and_a_length(client: WebClient) -> None:
    assert error_of(lambda: client.api_call("files.getUploadURLExternal", params={"length": 3}))
    assert error_of(
        lambda: client.api_call("files.getUploadURLExternal", params={"filename": "a.png"})
    )
    assert (
        error_of(lambda: client.files_getUploadURLExternal(filename="a.png", length=0))
        == "invalid_arguments"
    )


def test_completing_an_unknown_or_unsent_file_is_refused(client: WebClient) -> None:
    unknown = [{"id": "F000000404", "title": "x"}]
    assert error_of(lambda: client.files_completeUploadExternal(files=unknown)) == (
        "file_not_found"
    )
    started = client.files_getUploadURLExternal(filename="a.png", length=3)
    never_sent = [{"id": started["file_id"], "title": "x"}]
    assert error_of(lambda: client.files_completeUploadExternal(files=never_sent)) == (
        "file_not_found"
    )


def test_sharing_a_file_where_the_bot_is_not_a_member_is_refused(
    client: WebClient, fake: FakeSlack
) -> None:
    fake.channels_without_bot.add("C0NOBOT01")
    assert (
        error_of(lambda: client.files_upload_v2(channel="C0NOBOT01", file=PNG, filename="a.png"))
        == "not_in_channel"
    )
    shared = client.files_upload_v2(channel=MARKETING, file=PNG, filename="a.png", alt_txt="x")
    assert shared["file"]["name"] == "a.png" and fake.shared_files(MARKETING)[0].content == PNG
    assert REP  # the workspace's people are there; only the channel matters here


def test_three_processes_ticking_at_once_post_the_digest_and_its_chart_once(
    bot: RunningBot,
) -> None:
    twelve_weeks(bot)
    perspective(bot, "digest add <#C0MKT0001|marketing> weekly")
    fieldnote(bot, "[Acme] new this week #security")

    tick_concurrently(bot.services, datetime.fromisoformat(MONDAY))

    assert len(posts_to(bot)) == 1
    assert len(bot.fake.shared_files(MARKETING)) == 1
    assert len(bot.fake.calls_to("files.getUploadURLExternal")) == 1
