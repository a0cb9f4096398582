"""Posting a digest: composing a period, posting it exactly once, continuing in its thread.

Each subscription has one open period, from `period_start` (where its previous
digest ended) to its next slot. When the period is due — at its slot, or later
if no process was running then, or at once for `digest now` — it is claimed
(`digest:<subscription>:<period start>`) so that only one process posts it. The
first attempt freezes the content range and the rendered messages; a failed
post releases the claim and a later tick retries the very same messages,
resuming after the parts that already went out. Only a complete post moves the
cursors and the period.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial

from bot.delivery import SEND_ERRORS, deliver_once, slack_error
from bot.digests import blocks as render
from bot.digests.chart import Chart, alt_text, chart_for, render_png, wants_chart
from bot.digests.recognition import recognition_blocks
from bot.digests.section import SectionRequest
from bot.digests.sections import (
    FIELD_NOTES,
    DigestSection,
    cursor_kinds,
    digest_sections,
    shown_sections,
)
from bot.digests.subscriptions import invite_first, schedule_of, subscriptions_in
from bot.digests.themes import ThemesToFlag, theme_blocks, themes_to_flag
from bot.refusals import Refusal
from bot.services import Services
from storage import digests
from storage.digest_themes import ThemeChange
from storage.digests import DigestPeriod, DigestSubscription, RenderedMessage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Composed:
    """A period's rendered messages (none: stay quiet) and what freezing them records."""

    messages: list[RenderedMessage]
    themes: ThemeChange
    chart: Chart | None = None  # uploaded into the thread once the messages are out


def compose(
    services: Services,
    subscription: DigestSubscription,
    ranges: digests.Ranges,
    end: datetime,
    *,
    post_when_empty: bool,
) -> Composed:
    """The rendered messages of one period; none when it is empty and should stay quiet."""
    shown = shown_sections(digest_sections(), subscription.section_names)
    contents = [
        section.build(_request(services, subscription, ranges, end, section)) for section in shown
    ]
    notes_shown = FIELD_NOTES in shown
    themes = (
        themes_to_flag(services.db, subscription, end)
        if notes_shown
        else ThemesToFlag([], ThemeChange(subscription.id, subscription.team_id))
    )
    # The month's recognition is posted even on a quiet day: the month has only one first digest.
    recognition = (
        recognition_blocks(services.db, subscription, subscription.period_start, end)
        if notes_shown
        else []
    )
    if not any(content.count for content in contents) and not recognition and not post_when_empty:
        return Composed([], replace(themes.change, flagged=()))
    chart = chart_for(services.db, subscription, end) if wants_chart(subscription) else None
    lead = [*recognition, *theme_blocks(themes.themes), *render.chart_pointer(chart is not None)]
    messages = render.digest_messages(subscription, subscription.period_start, end, contents, lead)
    return Composed(messages, themes.change, chart)


def _request(
    services: Services,
    subscription: DigestSubscription,
    ranges: digests.Ranges,
    end: datetime,
    section: DigestSection,
) -> SectionRequest:
    return SectionRequest(
        db=services.db,
        team_id=subscription.team_id,
        tags=subscription.tag_filter,
        after_id=ranges[section.kind][0],
        upto_id=ranges[section.kind][1],
        period_start=subscription.period_start,
        period_end=end,
        ranges=ranges,
    )


def open_ranges(services: Services, subscription: DigestSubscription) -> digests.Ranges:
    """From each cursor to the newest record; a kind with no cursor yet starts at its newest."""
    cursors = digests.cursors(services.db, subscription.id)
    ranges: digests.Ranges = {}
    for kind, latest_id in cursor_kinds(digest_sections()):
        latest = latest_id(services.db, subscription.team_id)
        after = cursors.get(kind, latest)
        ranges[kind] = (after, max(after, latest))
    return ranges


def preview(services: Services, subscription: DigestSubscription) -> list[RenderedMessage]:
    """What the subscription would post now, without posting or moving anything."""
    ranges = open_ranges(services, subscription)
    return compose(services, subscription, ranges, services.clock(), post_when_empty=True).messages


@dataclass
class Delivery:
    status: str = "skipped"  # posted | empty | skipped (someone else has it) | failed
    ts: str | None = None
    error: str | None = None
    parts: int = 0


def claim_key(subscription: DigestSubscription) -> str:
    return f"digest:{subscription.id}:{subscription.period_start.isoformat()}"


def deliver(
    services: Services,
    subscription: DigestSubscription,
    end: datetime,
    now: datetime,
    *,
    post_when_empty: bool = False,
) -> Delivery:
    """Post the subscription's open period up to `end`, unless another process already does."""
    delivery = Delivery()
    send = partial(_post_open_period, services, subscription, end, now, post_when_empty, delivery)
    deliver_once(services, subscription.team_id, claim_key(subscription), now, send)
    return delivery


def _post_open_period(
    services: Services,
    subscription: DigestSubscription,
    end: datetime,
    now: datetime,
    post_when_empty: bool,
    delivery: Delivery,
) -> str | None:
    """The claimed send: post the period, note the outcome in `delivery`, move the cursors."""
    current = digests.get_subscription(services.db, subscription.id)
    if current is None or current.period_start != subscription.period_start:
        return None  # finished meanwhile by another process
    period = _frozen_period(services, current, end, post_when_empty or current.post_when_empty)
    try:
        delivery.ts, delivery.parts = post_period(services, period)
    except SEND_ERRORS as error:
        delivery.status, delivery.error = "failed", slack_error(error)
        raise
    delivery.status = "posted" if delivery.ts else "empty"
    status = "sent" if delivery.ts else "empty"
    digests.finish_period(services.db, period, status, now, claim_key(subscription))
    return delivery.ts


def _frozen_period(
    services: Services, subscription: DigestSubscription, end: datetime, post_when_empty: bool
) -> DigestPeriod:
    """The period as first attempted (same content on every retry), or frozen now."""
    existing = digests.pending_period(services.db, subscription.id, subscription.period_start)
    if existing is not None:
        return existing
    ranges = open_ranges(services, subscription)
    composed = compose(services, subscription, ranges, end, post_when_empty=post_when_empty)
    chart = composed.chart.to_json() if composed.chart is not None else None
    return digests.freeze_period(
        services.db, subscription, end, ranges, composed.messages, composed.themes, chart
    )


def post_period(services: Services, period: DigestPeriod) -> tuple[str | None, int]:
    """Post the parts not yet posted, then the chart; returns the channel message's ts and
    the part count."""
    messages = digests.messages_of(services.db, period.id)
    thread_ts = messages[0].ts if messages else None
    for message in messages:
        if message.ts is None:
            ts = _post(services, message, thread_ts if message.part else None)
            digests.record_message_posted(services.db, message.id, ts)
            thread_ts = thread_ts or ts
    if messages and thread_ts and period.chart_json and not period.chart_file:
        file_id = _upload_chart(
            services, Chart.from_json(period.chart_json), messages[0], thread_ts
        )
        digests.record_chart_posted(services.db, period.id, file_id)
    return thread_ts, len(messages)


def _upload_chart(
    services: Services, chart: Chart, message: digests.DigestMessage, thread_ts: str
) -> str:
    """The chart as a PNG in the digest's thread, with its numbers in the alt text."""
    response = services.client.files_upload_v2(
        channel=message.channel_id,
        thread_ts=thread_ts,
        file=render_png(chart),
        filename=f"perspective-digest-{message.period_id}.png",
        title=chart.title,
        alt_txt=alt_text(chart),
    )
    return response["file"]["id"]


def _post(services: Services, message: digests.DigestMessage, thread_ts: str | None) -> str:
    response = services.client.chat_postMessage(
        channel=message.channel_id,
        text=message.text,
        blocks=message.blocks,
        thread_ts=thread_ts,
        unfurl_links=False,
        unfurl_media=False,
    )
    return response["ts"]


def run_due(services: Services, now: datetime) -> None:
    """The scheduler job: post every subscription whose slot has come."""
    for subscription in digests.subscriptions(services.db):
        slot = schedule_of(subscription).due_slot(subscription.period_start, now)
        if slot is None:
            continue
        try:
            delivery = deliver(services, subscription, slot, now)
        except Exception:  # one broken digest must not hold up the other channels
            log.exception("digest %s failed; a later tick retries it", subscription.id)
            continue
        if delivery.status == "failed":
            log.warning(
                "digest %s to %s failed (%s); a later tick retries it",
                subscription.id,
                subscription.channel_id,
                delivery.error,
            )


def send_now(services: Services, subscription: DigestSubscription, *, force: bool) -> Delivery:
    """`digest now` / `digest send`: post the open period now (when nothing is new, only for
    an `always` subscription, as its schedule would).

    With `force`, the last digest that went out is posted again as it was (for a
    digest deleted by mistake); nothing moves and no claim is taken.
    """
    now = services.clock()
    # Periods must move forward for the next claim key to differ, even for two sends
    # within the same clock tick.
    end = max(now, subscription.period_start + timedelta(microseconds=1))
    last = digests.last_sent_period(services.db, subscription.id) if force else None
    if last is None:
        return deliver(services, subscription, end, now)
    parts = digests.messages_of(services.db, last.id)
    thread_ts: str | None = None
    for message in parts:
        ts = _post(services, message, thread_ts)
        thread_ts = thread_ts or ts
    return Delivery(status="posted", ts=thread_ts, parts=len(parts))


def post_now(services: Services, team_id: str, channel_id: str) -> list[str] | Refusal:
    """`digest now #channel`: every digest of that channel, posted now; one reply line each."""
    found = subscriptions_in(services, team_id, channel_id)
    if isinstance(found, Refusal):
        return found
    replies = []
    for subscription in found:
        delivery = send_now(services, subscription, force=False)
        if delivery.error in ("not_in_channel", "channel_not_found", "is_archived"):
            return invite_first(channel_id)
        replies.append(render.delivery_text(subscription, delivery.status, delivery.error))
    return replies
