"""When digests post: local time across DST, weekly Mondays, catch-up, exactly once, the CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.digests import posting as digests
from bot.runtime import cli
from bot.runtime.scheduler import run_tick
from bot.services import Services
from bot.slack.fake import FakeSlack, FakeSlackServer
from storage import claims
from storage import digests as digest_store
from storage.db import Database
from storage.digests import DigestSubscription
from tests.support.bot import Clock, tick_concurrently
from tests.support.digests import MARKETING, add_note, posts_to, subscribe
from tests.support.messages import blocks_of, text_of


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def cli_env(
    monkeypatch: pytest.MonkeyPatch, fake_slack_server: FakeSlackServer, db: Database
) -> None:
    """The environment `perspective …` reads, pointing at the test database and fake Slack."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("DATABASE_URL", db.url.render_as_string(hide_password=False))
    monkeypatch.setenv("SLACK_API_URL", fake_slack_server.api_url)
    monkeypatch.delenv("DEFAULT_TIMEZONE", raising=False)
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)


def tick(instant: str) -> None:
    assert cli.main(["tick", "--now", instant]) == 0


@pytest.mark.parametrize(
    ("created", "day_before", "day_after"),
    [
        # Spring forward: 09:00 Berlin is 08:00 UTC on Saturday, 07:00 UTC on Sunday.
        ("2027-03-26T10:00:00", ("2027-03-27T07:59:00Z", "2027-03-27T08:00:00Z"), "2027-03-28T07"),
        # Fall back: 09:00 Berlin is 07:00 UTC on Saturday, 08:00 UTC on Sunday.
        ("2027-10-29T10:00:00", ("2027-10-30T06:59:00Z", "2027-10-30T07:00:00Z"), "2027-10-31T08"),
    ],
)
def test_nine_oclock_berlin_stays_nine_oclock_across_a_dst_change(
    services: Services,
    fake: FakeSlack,
    clock: Clock,
    cli_env: None,
    created: str,
    day_before: tuple[str, str],
    day_after: str,
) -> None:
    clock.set(utc(created))
    subscribe(services, "daily 09:00 Europe/Berlin always")
    early, on_time = day_before

    tick(early)
    assert posts_to(fake) == []
    tick(on_time)
    assert len(posts_to(fake)) == 1
    tick(on_time.replace(":00:00Z", ":01:00Z"))
    assert len(posts_to(fake)) == 1

    slot = utc(day_after + ":00:00")
    tick((slot - timedelta(minutes=1)).isoformat())
    assert len(posts_to(fake)) == 1
    tick(slot.isoformat())
    assert len(posts_to(fake)) == 2
    tick((slot + timedelta(hours=1)).isoformat())
    assert len(posts_to(fake)) == 2


def test_a_weekly_digest_posts_on_monday_only(
    services: Services, fake: FakeSlack, clock: Clock
) -> None:
    clock.set(utc("2027-01-06T12:00:00"))  # a Wednesday
    subscribe(services, "weekly 09:00 UTC always")
    posted_on = []
    for day in range(7, 21):
        for hour in (8, 9, 10):
            instant = utc(f"2027-01-{day:02d}T{hour:02d}:00:00")
            before = len(posts_to(fake))
            run_tick(services, instant)
            if len(posts_to(fake)) > before:
                posted_on.append(instant)
    assert posted_on == [utc("2027-01-11T09:00:00"), utc("2027-01-18T09:00:00")]
    assert all(when.weekday() == 0 for when in posted_on)


def test_a_process_down_at_nine_posts_once_when_it_comes_back(
    services: Services, fake: FakeSlack, clock: Clock
) -> None:
    clock.set(utc("2027-02-01T10:00:00"))
    subscribe(services, "09:00 Europe/Berlin")
    clock.set(utc("2027-02-02T06:00:00"))
    add_note(services, "recorded while the bot was down")

    run_tick(services, utc("2027-02-02T07:59:00"))  # 08:59 Berlin: not yet
    assert posts_to(fake) == []
    run_tick(services, utc("2027-02-02T12:30:00"))  # back at 13:30, after the 09:00 slot
    run_tick(services, utc("2027-02-02T12:31:00"))
    run_tick(services, utc("2027-02-02T20:00:00"))
    [post] = posts_to(fake)
    assert "recorded while the bot was down" in text_of(post)


def test_a_new_subscription_first_posts_at_its_next_slot(
    services: Services, fake: FakeSlack, clock: Clock
) -> None:
    clock.set(utc("2027-02-01T10:00:00"))  # after today's 09:00 UTC slot
    add_note(services, "before the subscription")
    subscribe(services, "09:00 UTC always")
    add_note(services, "after the subscription")

    run_tick(services, utc("2027-02-01T10:01:00"))
    run_tick(services, utc("2027-02-01T23:59:00"))
    assert posts_to(fake) == []
    run_tick(services, utc("2027-02-02T09:00:00"))
    [post] = posts_to(fake)
    assert "after the subscription" in text_of(post)
    assert "before the subscription" not in text_of(post)


def rate_limited_daily_digest(
    services: Services, fake: FakeSlack, clock: Clock, *, retry_after: int
) -> DigestSubscription:
    """A 09:00 UTC digest with one note, whose first post Slack answers with a 429."""
    clock.set(utc("2027-02-01T10:00:00"))
    subscription = subscribe(services, "09:00 UTC")
    add_note(services, "first note")
    fake.fail_next("chat.postMessage", status=429, error="ratelimited", retry_after=retry_after)
    return subscription


def test_a_429_on_the_first_attempt_is_retried_once_with_the_same_content(
    services: Services, fake: FakeSlack, clock: Clock
) -> None:
    subscription = rate_limited_daily_digest(services, fake, clock, retry_after=30)

    run_tick(services, utc("2027-02-02T09:00:00"))
    assert posts_to(fake) == []
    assert [c.error for c in fake.calls if c.method == "chat.postMessage"] == ["ratelimited"]
    assert digest_store.cursors(services.db, subscription.id)["field_notes"] == 0
    clock.set(utc("2027-02-02T09:00:30"))
    add_note(services, "recorded between the attempts")

    run_tick(services, utc("2027-02-02T09:01:00"))
    run_tick(services, utc("2027-02-02T09:02:00"))
    [post] = posts_to(fake)
    assert "first note" in text_of(post) and "recorded between the attempts" not in text_of(post)
    period = digest_store.last_sent_period(services.db, subscription.id)
    assert period is not None and period.message_ts is not None
    assert claims.is_done(services.db, digests.claim_key(subscription))

    run_tick(services, utc("2027-02-03T09:00:00"))
    _first, second = posts_to(fake)
    assert "recorded between the attempts" in text_of(second) and "first note" not in text_of(
        second
    )


def test_a_429_is_not_retried_before_its_retry_after_by_any_process(
    services: Services, fake: FakeSlack, clock: Clock
) -> None:
    subscription = rate_limited_daily_digest(services, fake, clock, retry_after=120)

    run_tick(services, utc("2027-02-02T09:00:00"))
    run_tick(services, utc("2027-02-02T09:01:00"))
    run_tick(services, utc("2027-02-02T09:01:59"))
    attempts = [c for c in fake.calls if c.method == "chat.postMessage"]
    assert [c.error for c in attempts] == ["ratelimited"]
    assert not claims.is_done(services.db, digests.claim_key(subscription))

    run_tick(services, utc("2027-02-02T09:02:00"))
    run_tick(services, utc("2027-02-02T09:03:00"))
    [post] = posts_to(fake)
    assert "first note" in text_of(post)
    assert claims.is_done(services.db, digests.claim_key(subscription))


def test_a_thread_reply_that_fails_is_resumed_without_reposting_the_summary(
    services: Services, fake: FakeSlack, clock: Clock
) -> None:
    clock.set(utc("2027-02-01T10:00:00"))
    subscribe(services, "09:00 UTC")
    for i in range(70):
        add_note(services, f"note {i}", tags=(f"tag{i % 12}",))
    fake.fail_next("chat.postMessage", error="internal_error", after=1)

    run_tick(services, utc("2027-02-02T09:00:00"))
    [summary] = posts_to(fake)
    run_tick(services, utc("2027-02-02T09:01:00"))
    run_tick(services, utc("2027-02-02T09:02:00"))

    top_level = [p for p in posts_to(fake) if not p.get("thread_ts")]
    replies = [p for p in posts_to(fake) if p.get("thread_ts")]
    assert top_level == [summary] and len(replies) >= 2
    parts = [p["text"] for p in replies]
    assert len(parts) == len(set(parts)), "each thread part is posted once"
    assert parts[-1].endswith(f"(part {len(parts)} of {len(parts)})")


def test_three_concurrent_ticks_post_each_digest_once(
    services: Services, fake: FakeSlack, clock: Clock, db: Database
) -> None:
    clock.set(utc("2027-02-01T10:00:00"))
    channels = [f"C0CONC{i:03d}" for i in range(6)]
    for channel in channels:
        subscribe(services, "09:00 UTC", channel=channel)
    add_note(services, "something to say")
    instant = utc("2027-02-02T09:00:00")
    tick_concurrently(services, instant)
    for channel in channels:
        assert len(posts_to(fake, channel)) == 1, channel
    run_tick(services, instant + timedelta(minutes=1))
    assert sum(len(posts_to(fake, c)) for c in channels) == len(channels)


# ---- the command line -----------------------------------------------------------------------


def test_digest_preview_prints_the_blocks_as_json_without_posting(
    services: Services, fake: FakeSlack, cli_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    subscription = subscribe(services)
    add_note(services, "preview this <!channel>")
    assert cli.main(["digest", "preview", "--channel", MARKETING]) == 0
    [printed] = json.loads(capsys.readouterr().out)
    assert printed["subscription"] == subscription.id
    blocks = printed["messages"][0]["blocks"]
    assert "preview this &lt;!channel&gt;" in json.dumps(blocks)
    assert fake.calls_to("chat.postMessage") == []


def test_digest_send_posts_now_and_force_posts_the_last_digest_again(
    services: Services, fake: FakeSlack, clock: Clock, cli_env: Any
) -> None:
    subscription = subscribe(services)
    add_note(services, "send me now")
    clock.advance(minutes=5)
    assert cli.main(["digest", "send", "--subscription", str(subscription.id)]) == 0
    [first] = posts_to(fake)
    assert "send me now" in text_of(first)

    assert cli.main(["digest", "send", "--subscription", str(subscription.id), "--force"]) == 0
    first, again = posts_to(fake)
    assert blocks_of(again) == blocks_of(first)
    assert digest_store.cursors(services.db, subscription.id)["field_notes"] > 0


def test_digest_send_for_an_unknown_subscription_is_one_line_and_exit_1(
    cli_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["digest", "send", "--subscription", "999"]) == 1
    error = capsys.readouterr().err
    assert error.strip() == "perspective: there is no digest subscription 999"


def test_digest_send_in_a_channel_the_bot_left_fails_and_is_retried_by_a_tick(
    services: Services, fake: FakeSlack, clock: Clock, cli_env: None
) -> None:
    clock.set(utc("2027-02-01T10:00:00"))
    subscription = subscribe(services, "09:00 UTC")
    add_note(services, "waiting for an invite")
    fake.channels_without_bot.add(MARKETING)
    assert cli.main(["digest", "send", "--subscription", str(subscription.id)]) == 1
    fake.channels_without_bot.clear()
    run_tick(services, utc("2027-02-02T09:00:00"))
    [post] = posts_to(fake)
    assert "waiting for an invite" in text_of(post)
