"""Digests in Slack: `/perspective digest …`, and the *Ask rep* / *Used it* buttons."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.digests import blocks as render
from bot.digests import note_buttons, posting
from bot.digests import subscriptions as digests
from bot.refusals import Refusal
from bot.services import Services
from bot.slack import mentions
from bot.slack.blocks import (
    input_value,
    selected_conversation,
    selected_option,
    selected_options,
    selected_time,
)
from handlers.common import (
    SAVED,
    ack_now,
    answer,
    answer_form,
    apologise_on_error,
    confirm_form,
    refuse,
    required_text,
    save_before_closing,
    say,
    with_services,
)
from storage.digests import DigestSubscription

HELP_LINES = """• `/perspective digest add` — a form with a channel picker, how often, the time and zone, tags and sections
• `/perspective digest add #channel [daily|weekly] [9am|21:00] [time zone] [#tag …] [sections:notes,deals,promises] [chart] [always]` — the same, typed (defaults: daily, 9am, the workspace zone, every tag, every section; weekly is Mondays and carries a chart of loss reasons and tags, which `chart` adds to a daily one; `always` posts even when nothing is new)
• `/perspective digest list` — every digest and when it posts next
• `/perspective digest remove <id>` — stop a digest
• `/perspective digest now #channel` — post that channel's digest right away"""
WHERE_MISSING = "Say where you used it, e.g. “Q1 pricing page”."


def digest_command(
    services: Services, command: dict[str, Any], rest: str, respond: Respond
) -> None:
    """`/perspective digest <add|list|remove|now> …` (admins only); `add` alone opens the form."""
    if refusal := services.require_admin(command["user_id"], "set up digests"):
        refuse(respond, refusal)
        return
    word, _, args = rest.partition(" ")
    team, user = command["team_id"], command["user_id"]
    match word.lower():
        case "add" if not args.strip():
            opened = open_digest_form(
                services,
                services.client,
                command["trigger_id"],
                team,
                user,
                command.get("channel_id"),
            )
            if opened is not None:
                refuse(respond, opened)
        case "add":
            _add(services, team, user, args, respond)
        case "list":
            _list(services, team, respond)
        case "remove":
            refusal = digests.remove(services, team, args)
            answer(respond, refusal or f":wastebasket: Digest {args.strip()} removed.")
        case "now":
            _now(services, team, args, respond)
        case _:
            say(respond, "Digest commands:\n" + HELP_LINES)


def _add(services: Services, team: str, user: str, args: str, respond: Respond) -> None:
    draft = digests.parse_add(args, services.settings.default_timezone)
    if isinstance(draft, Refusal):
        refuse(respond, draft)
        return
    subscription = digests.add_subscription(services, team, user, draft)
    if isinstance(subscription, Refusal):
        refuse(respond, subscription)
        return
    say(respond, _set_up(services, subscription))


def _set_up(services: Services, subscription: DigestSubscription) -> str:
    line = render.subscription_line(subscription, digests.next_post(subscription, services.clock()))
    return f":newspaper: Digest set up: {line}. It covers what is recorded from now on."


def _list(services: Services, team: str, respond: Respond) -> None:
    found = digests.subscriptions(services, team)
    if not found:
        say(respond, "No digests yet. Add one with `/perspective digest add #marketing`.")
        return
    now = services.clock()
    lines = [f"• {render.subscription_line(s, digests.next_post(s, now))}" for s in found]
    say(respond, "*Digests*\n" + "\n".join(lines))


def _now(services: Services, team: str, args: str, respond: Respond) -> None:
    channel = mentions.channel_id(args.strip())
    if channel is None:
        refuse(respond, Refusal("Say which channel, e.g. `/perspective digest now #marketing`."))
        return
    replies = posting.post_now(services, team, channel)
    answer(respond, replies if isinstance(replies, Refusal) else "\n".join(replies))


def register(app: App, services: Services) -> None:
    bind = with_services(services)
    app.view(render.FORM_CALLBACK)(ack=bind(save_digest_form), lazy=[bind(confirm_digest_form)])
    app.action(render.ASK_REP_ACTION)(ack=ack_now, lazy=[bind(ask_rep)])
    app.action(render.USED_IT_ACTION)(ack=ack_now, lazy=[bind(open_used_modal)])
    app.view(render.USED_MODAL)(ack=validate_used, lazy=[bind(save_used)])


# ---- the digest form -------------------------------------------------------------------


def open_digest_form(
    services: Services,
    client: WebClient,
    trigger_id: str,
    team_id: str,
    user_id: str,
    channel: str | None = None,
) -> Refusal | None:
    """Open the digest form for an admin (from `/perspective digest add` or the Home's *Add
    digest*); anyone else gets the refusal back to show. Its time zone starts on the admin's
    own; the confirmation goes to `channel`, or to a DM without one."""
    if refusal := services.require_admin(user_id, "set up digests"):
        return refusal
    zone = services.directory.timezone(user_id).key
    client.views_open(trigger_id=trigger_id, view=render.digest_form(zone, channel or ""))
    return None


def _from_form(view: dict[str, Any]) -> digests.SubscriptionDraft | Refusal:
    return digests.read_form(
        digests.FormPicks(
            channel=selected_conversation(view, render.FORM_CHANNEL),
            cadence=selected_option(view, render.FORM_CADENCE),
            post_at=selected_time(view, render.FORM_TIME),
            timezone=selected_option(view, render.FORM_ZONE),
            tags=input_value(view, render.FORM_TAGS),
            sections=selected_options(view, render.FORM_SECTIONS),
            options=selected_options(view, render.FORM_OPTIONS),
        )
    )


def save_digest_form(
    services: Services, ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    """Checked (the bot in the channel: one `conversations.info`) and saved in the ack, so a
    closed form is a set-up digest. Only an admin was shown the form: no second check."""
    team_id, user_id = body["team"]["id"], body["user"]["id"]
    draft = _from_form(view)
    if not isinstance(draft, Refusal):
        draft = digests.check_form(services, team_id, draft)
    save_before_closing(
        ack,
        context,
        draft,
        lambda checked: digests.store_subscription(services, team_id, user_id, checked).id,
        what="digest",
        field=render.FORM_CHANNEL,
    )


@apologise_on_error
def confirm_digest_form(
    services: Services,
    body: dict[str, Any],
    view: dict[str, Any],
    client: WebClient,
    context: BoltContext,
) -> None:
    if context.get(SAVED) is None:
        return  # refused, or handed back, in the form itself
    subscription = digests.get_subscription(services, context[SAVED])
    if subscription is None:
        return  # removed meanwhile
    text = _set_up(services, subscription)
    channel = view.get("private_metadata") or None
    confirm_form(client, body, channel, text, "Digest set up")


@apologise_on_error
def ask_rep(
    services: Services, body: dict[str, Any], action: dict[str, Any], respond: Respond
) -> None:
    container = body.get("container", {})
    asked = note_buttons.ask_rep(
        services,
        body["team"]["id"],
        body["user"]["id"],
        int(action["value"]),
        container.get("channel_id", ""),
        container.get("thread_ts") or container.get("message_ts", ""),
    )
    if isinstance(asked, Refusal):
        refuse(respond, asked)
        return
    where = "in the digest's thread" if asked.in_thread else "in a group DM with the two of you"
    say(respond, f"I've asked <@{asked.rep_id}> {where}, with the note quoted.")


@apologise_on_error
def open_used_modal(
    services: Services, body: dict[str, Any], action: dict[str, Any], client: WebClient
) -> None:
    container = body.get("container", {})
    view = render.used_modal(
        int(action["value"]), container.get("channel_id", ""), container.get("message_ts", "")
    )
    client.views_open(trigger_id=body["trigger_id"], view=view)


def validate_used(ack: Ack, view: dict[str, Any]) -> None:
    answer_form(ack, required_text(view, "where", WHERE_MISSING))


@apologise_on_error
def save_used(
    services: Services, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    where = required_text(view, "where", WHERE_MISSING)
    if isinstance(where, Refusal):
        return  # refused inline by validate_used
    origin = json.loads(view.get("private_metadata") or "{}")
    message = (origin["channel"], origin["ts"]) if origin.get("ts") else None
    user = body["user"]["id"]
    refusal = note_buttons.mark_used(
        services, body["team"]["id"], user, int(origin["note"]), where, message
    )
    if refusal is not None:
        client.chat_postMessage(channel=user, text=refusal.message)
