"""Digests: subscriptions, what is due, and posting each period exactly once.

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
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from slack_sdk.errors import SlackApiError

from bot.delivery import SEND_ERRORS, deliver_once
from bot.digests import blocks as render
from bot.digests.schedule import CADENCES, Schedule, parse_time
from bot.digests.section import SectionRequest
from bot.digests.sections import cursor_kinds, digest_sections
from bot.refusals import Refusal
from bot.services import Services
from bot.slack import mentions
from storage import digests, fieldnotes, note_uses
from storage.digests import DigestPeriod, DigestSubscription, NewSubscription, RenderedMessage

log = logging.getLogger(__name__)

ADD_EXAMPLE = "`/perspective digest add #marketing daily 09:00 Europe/Berlin #pricing`"
ALWAYS = "always"
NAMED_CHANNEL = re.compile(r"^<#[CG][A-Z0-9]+\|([^>]+)>$")


# ---- subscriptions --------------------------------------------------------------------------


@dataclass(frozen=True)
class SubscriptionDraft:
    channel_id: str
    cadence: str = "daily"
    post_at: str = "09:00"
    timezone: str = "UTC"
    tags: tuple[str, ...] = ()
    post_when_empty: bool = False


def parse_add(text: str, default_timezone: str) -> SubscriptionDraft | Refusal:
    """`<#channel> [daily|weekly] [HH:MM] [time zone] [#tag …] [always]`, in any order after the channel."""
    words = text.split()
    channel = mentions.channel_id(words[0]) if words else None
    if channel is None:
        return Refusal(f"Start with the channel the digest goes to, e.g. {ADD_EXAMPLE}")
    if channel.startswith("D"):
        return Refusal(f"Digests go to channels, not direct messages, e.g. {ADD_EXAMPLE}")
    settings: dict = {"timezone": default_timezone, "tags": []}
    for word in words[1:]:
        problem = _read_option(word, settings)
        if problem is not None:
            return problem
    tags = tuple(dict.fromkeys(settings.pop("tags")))
    return SubscriptionDraft(channel_id=channel, tags=tags, **settings)


def _read_option(word: str, settings: dict) -> Refusal | None:
    lowered = word.lower()
    named = NAMED_CHANNEL.match(word)
    if lowered in CADENCES:
        settings["cadence"] = lowered
    elif lowered == ALWAYS:
        settings["post_when_empty"] = True
    elif word.startswith("#") and len(word) > 1:
        settings["tags"].append(lowered.lstrip("#"))
    elif named:  # a tag that is also a channel name arrives as a channel link
        settings["tags"].append(named.group(1).lower())
    elif ":" in word and word[0].isdigit():
        at = parse_time(word)
        if at is None:
            return Refusal(
                f"`{word[:20]}` isn't a time of day: use 24-hour HH:MM, e.g. `09:00` or `17:30`."
            )
        settings["post_at"] = at.strftime("%H:%M")
    elif _is_timezone(word):
        settings["timezone"] = word
    elif "/" in word or lowered in ("utc", "gmt", "cet", "est", "pst") or _zone_named(word):
        guess = _zone_named(word)
        hint = f" Did you mean `{guess}`?" if guess else ""
        return Refusal(
            f"`{word[:40]}` isn't a time zone I know.{hint} Use an IANA name like "
            "`Europe/Berlin`, `America/New_York` or `UTC`."
        )
    else:
        return Refusal(
            f"I couldn't read `{word[:40]}`. Write it like {ADD_EXAMPLE} "
            "(cadence, time, time zone and tags are optional; add `always` to post even "
            "when nothing is new)."
        )
    return None


def _zone_named(word: str) -> str | None:
    """`berlin` → `Europe/Berlin`: the zone a city name most likely means, if any."""
    suffix = "/" + word.lower().replace(" ", "_")
    matches = sorted(zone for zone in available_timezones() if zone.lower().endswith(suffix))
    return matches[0] if matches else None


def _is_timezone(word: str) -> bool:
    if "/" not in word and word != "UTC":
        return False
    try:
        ZoneInfo(word)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def bot_can_post_in(services: Services, channel_id: str) -> Refusal | None:
    """A clear next step when the bot is not a member of the channel it should post in."""
    try:
        channel = services.client.conversations_info(channel=channel_id)["channel"]
        if channel.get("is_member", True):
            return None
    except SlackApiError as error:
        if error.response.get("error") not in ("channel_not_found", "not_in_channel"):
            raise
    return invite_first(channel_id)


def invite_first(channel_id: str) -> Refusal:
    return Refusal(
        f"I'm not in <#{channel_id}> yet: invite @Perspective to <#{channel_id}> "
        "(type `/invite @Perspective` there), then run the command again."
    )


def _already_subscribed(
    services: Services, team_id: str, draft: SubscriptionDraft
) -> Refusal | None:
    """The same digest twice in one channel would show every note twice there."""
    for existing in digests.subscriptions_in(services.db, team_id, draft.channel_id):
        if existing.cadence == draft.cadence and set(existing.tag_filter) == set(draft.tags):
            return Refusal(
                f"<#{draft.channel_id}> already gets this {draft.cadence} digest "
                f"(#{existing.id}). To change its time or zone, remove it with "
                f"`/perspective digest remove {existing.id}` and add it again."
            )
    return None


def add_subscription(
    services: Services, team_id: str, user_id: str, draft: SubscriptionDraft
) -> DigestSubscription | Refusal:
    refusal = _already_subscribed(services, team_id, draft) or bot_can_post_in(
        services, draft.channel_id
    )
    if refusal is not None:
        return refusal
    starting_ids = {
        kind: latest_id(services.db, team_id) for kind, latest_id in cursor_kinds(digest_sections())
    }
    new = NewSubscription(
        team_id=team_id,
        channel_id=draft.channel_id,
        cadence=draft.cadence,
        post_at=draft.post_at,
        timezone=draft.timezone,
        tags=draft.tags,
        created_by=user_id,
        created_at=services.clock(),
        post_when_empty=draft.post_when_empty,
    )
    return digests.add_subscription(services.db, new, starting_ids)


def subscriptions(services: Services, team_id: str) -> list[DigestSubscription]:
    return digests.subscriptions(services.db, team_id)


def get_subscription(services: Services, subscription_id: int) -> DigestSubscription | None:
    return digests.get_subscription(services.db, subscription_id)


def subscriptions_in_channel(services: Services, channel_id: str) -> list[DigestSubscription]:
    """A channel's subscriptions in any workspace (for operators, who have no team id)."""
    return digests.subscriptions_in(services.db, None, channel_id)


def subscriptions_in(
    services: Services, team_id: str, channel_id: str
) -> list[DigestSubscription] | Refusal:
    found = digests.subscriptions_in(services.db, team_id, channel_id)
    if not found:
        return Refusal(
            f"No digest goes to <#{channel_id}> yet. Add one with "
            f"`/perspective digest add <#{channel_id}>`."
        )
    return found


def remove(services: Services, team_id: str, number: str) -> Refusal | None:
    number = number.strip().lstrip("#")
    if not number.isdigit():
        return Refusal(
            "Say which digest to remove by its number, e.g. `/perspective digest remove 3` "
            "(`/perspective digest list` shows them)."
        )
    if not digests.remove_subscription(services.db, team_id, int(number)):
        return Refusal(f"There is no digest #{number}. `/perspective digest list` shows them.")
    return None


def schedule_of(subscription: DigestSubscription) -> Schedule:
    return Schedule(
        subscription.cadence,
        time.fromisoformat(subscription.post_at),
        ZoneInfo(subscription.timezone),
    )


def next_post(subscription: DigestSubscription, now: datetime) -> datetime:
    schedule = schedule_of(subscription)
    return schedule.due_slot(subscription.period_start, now) or schedule.next_slot(now)


# ---- composing ------------------------------------------------------------------------------


def compose(
    services: Services,
    subscription: DigestSubscription,
    ranges: digests.Ranges,
    end: datetime,
    *,
    post_when_empty: bool,
) -> list[RenderedMessage]:
    """The rendered messages of one period; none when it is empty and should stay quiet."""
    contents = [
        section.build(
            SectionRequest(
                db=services.db,
                team_id=subscription.team_id,
                tags=subscription.tag_filter,
                after_id=ranges[section.kind][0],
                upto_id=ranges[section.kind][1],
                period_start=subscription.period_start,
                period_end=end,
                ranges=ranges,
            )
        )
        for section in digest_sections()
    ]
    if not any(content.count for content in contents) and not post_when_empty:
        return []
    return render.digest_messages(subscription, subscription.period_start, end, contents)


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
    return compose(services, subscription, ranges, services.clock(), post_when_empty=True)


# ---- posting exactly once -------------------------------------------------------------------


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
    key = claim_key(subscription)
    delivery = Delivery()

    def send() -> str | None:
        current = digests.get_subscription(services.db, subscription.id)
        if current is None or current.period_start != subscription.period_start:
            return None  # finished meanwhile by another process
        period = _frozen_period(services, current, end, post_when_empty or current.post_when_empty)
        try:
            delivery.ts, delivery.parts = post_period(services, period)
        except SEND_ERRORS as error:
            delivery.status, delivery.error = "failed", _slack_error(error)
            raise
        delivery.status = "posted" if delivery.ts else "empty"
        digests.finish_period(services.db, period, "sent" if delivery.ts else "empty", now, key)
        return delivery.ts

    deliver_once(services, subscription.team_id, key, now, send)
    return delivery


def _frozen_period(
    services: Services, subscription: DigestSubscription, end: datetime, post_when_empty: bool
) -> DigestPeriod:
    """The period as first attempted (same content on every retry), or frozen now."""
    existing = digests.pending_period(services.db, subscription.id, subscription.period_start)
    if existing is not None:
        return existing
    ranges = open_ranges(services, subscription)
    messages = compose(services, subscription, ranges, end, post_when_empty=post_when_empty)
    return digests.freeze_period(services.db, subscription, end, ranges, messages)


def post_period(services: Services, period: DigestPeriod) -> tuple[str | None, int]:
    """Post the parts not yet posted; returns the channel message's ts and the part count."""
    messages = digests.messages_of(services.db, period.id)
    thread_ts = messages[0].ts if messages else None
    for message in messages:
        if message.ts is None:
            ts = _post(services, message, thread_ts if message.part else None)
            digests.record_message_posted(services.db, message.id, ts)
            thread_ts = thread_ts or ts
    return thread_ts, len(messages)


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


def _slack_error(error: Exception) -> str:
    if isinstance(error, SlackApiError):
        return str(error.response.get("error") or error)
    return str(error)


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
    """`digest now` / `digest send`: post the open period now (even when nothing is new).

    With `force`, the last digest that went out is posted again as it was (for a
    digest deleted by mistake); nothing moves and no claim is taken.
    """
    now = services.clock()
    # Periods must move forward for the next claim key to differ, even for two sends
    # within the same clock tick.
    end = max(now, subscription.period_start + timedelta(microseconds=1))
    last = digests.last_sent_period(services.db, subscription.id) if force else None
    if last is None:
        return deliver(services, subscription, end, now, post_when_empty=True)
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


# ---- the loop back to the rep ---------------------------------------------------------------


@dataclass(frozen=True)
class AskedRep:
    channel_id: str
    rep_id: str
    in_thread: bool


def ask_rep(
    services: Services, team_id: str, marketer: str, note_id: int, channel_id: str, message_ts: str
) -> AskedRep | Refusal:
    """A group DM with the marketer and the rep, the note quoted; a thread if that can't open."""
    note = fieldnotes.get_note(services.db, team_id, note_id)
    if note is None:
        return Refusal(f"Note #{note_id} has been deleted, so there is no one to ask about it.")
    if note.author_id == marketer:
        return Refusal(f"Note #{note_id} is your own note.")
    quote = render.note_quote(note.id, note.account, note.text)
    text = render.ask_rep_message(marketer, note.author_id, quote)
    try:
        opened = services.client.conversations_open(users=f"{marketer},{note.author_id}")
        conversation = opened["channel"]["id"]
        services.client.chat_postMessage(channel=conversation, text=text)
        return AskedRep(conversation, note.author_id, in_thread=False)
    except SlackApiError as error:
        log.info("group DM failed (%s); asking in the digest thread", _slack_error(error))
    services.client.chat_postMessage(channel=channel_id, thread_ts=message_ts, text=text)
    return AskedRep(channel_id, note.author_id, in_thread=True)


def mark_used(
    services: Services,
    team_id: str,
    marketer: str,
    note_id: int,
    where: str,
    message: tuple[str, str] | None,
) -> Refusal | None:
    """Store the use, thank the rep in a DM with the marketer's words, mark the digest."""
    note = fieldnotes.get_note(services.db, team_id, note_id)
    if note is None:
        return Refusal(f"Note #{note_id} has been deleted meanwhile.")
    note_uses.record_use(services.db, team_id, note_id, marketer, where, services.clock())
    quote = render.note_quote(note.id, note.account, note.text)
    services.client.chat_postMessage(
        channel=note.author_id, text=render.thanks_message(marketer, quote, where)
    )
    if message is not None:
        _mark_digest_message(services, team_id, note_id, *message)
    return None


def _mark_digest_message(
    services: Services, team_id: str, note_id: int, channel_id: str, ts: str
) -> None:
    stored = digests.message_at(services.db, team_id, channel_id, ts)
    if stored is None:
        return
    blocks = render.with_used_mark(stored.blocks, note_id)
    services.client.chat_update(channel=channel_id, ts=ts, blocks=blocks, text=stored.text)
    digests.replace_blocks(services.db, stored.id, blocks)
