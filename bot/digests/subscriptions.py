"""Digest subscriptions: reading `digest add`, storing, listing and removing them.

A new subscription starts after the newest record of every kind its sections
read, so its first digest holds only what comes after it was added.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from slack_sdk.errors import SlackApiError

from bot.digests.blocks import FORM_CHANNEL, FORM_SECTIONS, FORM_TIME, FORM_ZONE
from bot.digests.schedule import CADENCES, TIME_FORMS, Schedule, parse_time
from bot.digests.sections import SECTION_NAMES, cursor_kinds, digest_sections
from bot.refusals import Refusal
from bot.services import Services
from bot.slack import mentions
from storage import digests
from storage.digests import DigestSubscription, NewSubscription

ADD_EXAMPLE = "`/perspective digest add #marketing daily 9am Europe/Berlin #pricing`"
ALWAYS = "always"
CHART = "chart"
SECTIONS = "sections:"
SECTIONS_EXAMPLE = "`sections:notes,deals`"
NAMED_CHANNEL = re.compile(r"^<#[CG][A-Z0-9]+\|([^>]+)>$")


@dataclass(frozen=True)
class SubscriptionDraft:
    channel_id: str
    cadence: str = "daily"
    post_at: str = "09:00"
    timezone: str = "UTC"
    tags: tuple[str, ...] = ()
    post_when_empty: bool = False
    sections: tuple[str, ...] = ()  # empty: every section
    chart: bool = False


def parse_add(text: str, default_timezone: str) -> SubscriptionDraft | Refusal:
    """`<#channel> [daily|weekly] [HH:MM] [time zone] [#tag …] [sections:a,b] [chart] [always]`,
    in any order after the channel."""
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


@dataclass(frozen=True)
class FormPicks:
    """What the digest form's inputs held when it was submitted."""

    channel: str | None
    cadence: str | None
    post_at: str | None
    timezone: str | None
    tags: str | None
    sections: list[str]
    options: list[str]


def read_form(picks: FormPicks) -> SubscriptionDraft | Refusal:
    """The digest form as a draft, or the refusal shown under the input it is about."""
    if picks.channel is None or picks.channel.startswith("D"):
        return Refusal("Pick the channel the digest goes to.", field=FORM_CHANNEL)
    at = parse_time(picks.post_at or "")
    if at is None:
        return Refusal("Pick the time the digest posts, e.g. 9:00 AM.", field=FORM_TIME)
    if picks.timezone is None or not _is_timezone(picks.timezone):
        return Refusal("Pick a time zone from the list.", field=FORM_ZONE)
    sections = parse_sections(",".join(picks.sections))
    if isinstance(sections, Refusal):
        return Refusal("Tick at least one section.", field=FORM_SECTIONS)
    tags = [word.strip(",").lstrip("#").lower() for word in (picks.tags or "").split()]
    return SubscriptionDraft(
        channel_id=picks.channel,
        cadence=picks.cadence if picks.cadence in CADENCES else "daily",
        post_at=at.strftime("%H:%M"),
        timezone=picks.timezone,
        tags=tuple(dict.fromkeys(tag for tag in tags if tag)),
        post_when_empty=ALWAYS in picks.options,
        sections=() if sections == SECTION_NAMES else sections,  # every section, as typed
        chart=CHART in picks.options,
    )


def _read_option(word: str, settings: dict) -> Refusal | None:
    lowered = word.lower()
    named = NAMED_CHANNEL.match(word)
    if lowered in CADENCES:
        settings["cadence"] = lowered
    elif lowered == ALWAYS:
        settings["post_when_empty"] = True
    elif lowered == CHART:
        settings["chart"] = True
    elif lowered.startswith(SECTIONS):
        sections = parse_sections(lowered.removeprefix(SECTIONS))
        if isinstance(sections, Refusal):
            return sections
        settings["sections"] = sections
    elif word.startswith("#") and len(word) > 1:
        settings["tags"].append(lowered.lstrip("#"))
    elif named:  # a tag that is also a channel name arrives as a channel link
        settings["tags"].append(named.group(1).lower())
    elif word[0].isdigit():  # a word starting with a digit can only be meant as the time
        at = parse_time(word)
        if at is None:
            return Refusal(f"`{word[:20]}` isn't a time of day I can read: write {TIME_FORMS}.")
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
            "(cadence, time, time zone and tags are optional; "
            f"{SECTIONS_EXAMPLE} keeps only those sections, `chart` adds the weekly chart to a "
            "daily digest, and `always` posts even when nothing is new)."
        )
    return None


def parse_sections(value: str) -> tuple[str, ...] | Refusal:
    """`notes,deals` → ("notes", "deals"), in the digest's own order; unknown names refused."""
    names = [name for name in value.replace(";", ",").split(",") if name]
    unknown = [name for name in names if name not in SECTION_NAMES]
    if unknown or not names:
        what = f"`{unknown[0][:20]}` isn't a section" if unknown else "Name at least one section"
        return Refusal(
            f"{what}: choose from {', '.join(f'`{n}`' for n in SECTION_NAMES)}, "
            f"separated by commas, e.g. {SECTIONS_EXAMPLE}."
        )
    return tuple(name for name in SECTION_NAMES if name in names)


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
    return None if bot_is_in(services, channel_id) else invite_first(channel_id)


def bot_is_in(services: Services, channel_id: str) -> bool:
    """Whether the bot is a member of the channel (a private one it is not in is not found)."""
    try:
        channel = services.client.conversations_info(channel=channel_id)["channel"]
    except SlackApiError as error:
        if error.response.get("error") not in ("channel_not_found", "not_in_channel"):
            raise
        return False
    return bool(channel.get("is_member", True))


def invite_first(channel_id: str) -> Refusal:
    return Refusal(
        f"I'm not in <#{channel_id}> yet: invite @Perspective to <#{channel_id}> "
        "(type `/invite @Perspective` there), then run the command again."
    )


def _same_digest(
    services: Services, team_id: str, draft: SubscriptionDraft
) -> DigestSubscription | None:
    """The same digest twice in one channel would show every note twice there."""
    for existing in digests.subscriptions_in(services.db, team_id, draft.channel_id):
        if existing.cadence == draft.cadence and set(existing.tag_filter) == set(draft.tags):
            return existing
    return None


def _already_subscribed(
    services: Services, team_id: str, draft: SubscriptionDraft
) -> Refusal | None:
    existing = _same_digest(services, team_id, draft)
    if existing is None:
        return None
    return Refusal(
        f"<#{draft.channel_id}> already gets this {draft.cadence} digest "
        f"(#{existing.id}). To change its time or zone, remove it with "
        f"`/perspective digest remove {existing.id}` and add it again."
    )


def add_subscription(
    services: Services, team_id: str, user_id: str, draft: SubscriptionDraft
) -> DigestSubscription | Refusal:
    refusal = _already_subscribed(services, team_id, draft) or bot_can_post_in(
        services, draft.channel_id
    )
    if refusal is not None:
        return refusal
    return store_subscription(services, team_id, user_id, draft)


def check_form(
    services: Services, team_id: str, draft: SubscriptionDraft
) -> SubscriptionDraft | Refusal:
    """The form's checks that need the database or Slack, worded for a line under the
    channel picker (plain text, at most 150 characters)."""
    existing = _same_digest(services, team_id, draft)
    if existing is not None:
        return Refusal(
            f"This channel already gets this {draft.cadence} digest (#{existing.id}): pick "
            "another channel, cadence or tags.",
            field=FORM_CHANNEL,
        )
    if not bot_is_in(services, draft.channel_id):
        return Refusal(
            "I'm not in that channel yet: type `/invite @Perspective` there, then press Save "
            "again.",
            field=FORM_CHANNEL,
        )
    return draft


def store_subscription(
    services: Services, team_id: str, user_id: str, draft: SubscriptionDraft
) -> DigestSubscription:
    """Store a checked draft, starting after the newest record each section reads."""
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
        sections=draft.sections,
        chart=draft.chart,
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
