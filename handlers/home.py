"""App Home: the Home tab (rebuilt from the database each time someone opens it), the
welcome on a first open, the Messages tab (DMs to the bot), and the admin's Home buttons."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.deals.intake import set_win_prompts
from bot.digests import subscriptions as digests
from bot.fieldnotes import blocks as note_blocks
from bot.fieldnotes import rules as fieldnotes
from bot.home import blocks as render
from bot.home import compose_home
from bot.home.welcome import welcome_once
from bot.refusals import Refusal
from bot.services import Services
from bot.teams import roles_of
from handlers.common import ack_now, apologise_on_error, pressed_on_home, tell, with_services
from handlers.deals import open_deal_assign_form
from handlers.digests import open_digest_form
from handlers.rollouts import open_rollout_form, open_rollout_move_form
from handlers.teams import open_team_form

HELP_WORDS = {"help", "?", "hi", "hello"}


def register(app: App, services: Services) -> None:
    bind = with_services(services)
    app.event("app_home_opened")(ack=ack_now, lazy=[bind(open_home)])
    app.event("message", matchers=[is_person_in_dm])(ack=ack_now, lazy=[bind(answer_dm)])
    # The bot's own replies, edits, deletions: acknowledged, so Slack does not resend them.
    app.event("message")(ack_now)
    app.action(render.ADD_DIGEST_ACTION)(ack=ack_now, lazy=[bind(add_digest_button)])
    app.action(render.REMOVE_DIGEST_ACTION)(ack=ack_now, lazy=[bind(remove_digest_button)])
    app.action(render.WIN_PROMPTS_ACTION)(ack=ack_now, lazy=[bind(win_prompts_button)])
    app.action(render.TEAM_FORM_ACTION)(ack=ack_now, lazy=[bind(team_form_button)])
    app.action(render.ROLLOUT_ADD_ACTION)(ack=ack_now, lazy=[bind(rollout_add_button)])
    app.action(render.ROLLOUT_MOVE_ACTION)(ack=ack_now, lazy=[bind(rollout_move_button)])
    app.action(render.DEAL_ASSIGN_ACTION)(ack=ack_now, lazy=[bind(deal_assign_button)])


@apologise_on_error
def open_home(
    services: Services, event: dict[str, Any], body: dict[str, Any], client: WebClient
) -> None:
    """Welcome the person if this is their first open (either tab: the Messages tab counts
    too), then publish the Home for their roles. Welcomed first, so the Home a first open
    shows already has the welcome in the Messages tab beside it."""
    team_id = body.get("team_id") or event.get("view", {}).get("team_id", "")
    user_id = event["user"]
    roles = roles_of(services, team_id, user_id)
    welcome_once(services, team_id, user_id, roles)
    if event.get("tab", "home") == "home":
        client.views_publish(user_id=user_id, view=compose_home(services, team_id, user_id, roles))


def is_person_in_dm(event: dict[str, Any]) -> bool:
    """The matcher for DMs answered: a person's own new message in their DM with the bot: never the bot's replies, edits,
    deletions or other subtypes, so the bot never answers itself."""
    return (
        event.get("channel_type") == "im"
        and not event.get("subtype")
        and not event.get("bot_id")
        and bool(event.get("user"))
        and bool((event.get("text") or "").strip())
    )


@apologise_on_error
def answer_dm(
    services: Services, event: dict[str, Any], body: dict[str, Any], client: WebClient
) -> None:
    """`help` answers with help for the person's roles; anything else is offered back as a
    field note, read as `/fieldnote` reads it."""
    team_id, user, channel = body.get("team_id", ""), event["user"], event["channel"]
    text = event["text"].strip()
    if text.lower() in HELP_WORDS:
        help_text = render.role_help(roles_of(services, team_id, user))
        client.chat_postMessage(channel=channel, text=help_text)
        return
    draft = fieldnotes.offer(services, team_id, user, channel, text)
    if isinstance(draft, Refusal):
        client.chat_postMessage(channel=channel, text=draft.message)
        return
    blocks = note_blocks.offer(draft, text)
    client.chat_postMessage(channel=channel, blocks=blocks, text="Save this as a field note?")


@apologise_on_error
def add_digest_button(services: Services, body: dict[str, Any], client: WebClient) -> None:
    team, user = body["team"]["id"], body["user"]["id"]
    _tell_refusal(client, body, open_digest_form(services, client, body["trigger_id"], team, user))


@apologise_on_error
def remove_digest_button(
    services: Services, body: dict[str, Any], action: dict[str, Any], client: WebClient
) -> None:
    team, user = body["team"]["id"], body["user"]["id"]
    refusal = services.require_admin(user, "remove digests") or digests.remove(
        services, team, action["value"]
    )
    if refusal is not None:
        tell(client, body, refusal.message)
    else:
        tell(client, body, f":wastebasket: Digest {action['value']} removed.")
    _republish(services, client, body)


@apologise_on_error
def win_prompts_button(
    services: Services, body: dict[str, Any], action: dict[str, Any], client: WebClient
) -> None:
    team, user = body["team"]["id"], body["user"]["id"]
    if refusal := services.require_admin(user, "change settings"):
        tell(client, body, refusal.message)
        return
    set_win_prompts(services, team, action["value"] == "on")
    _republish(services, client, body)


@apologise_on_error
def team_form_button(services: Services, body: dict[str, Any], client: WebClient) -> None:
    opened = open_team_form(services, client, body["trigger_id"], body["user"]["id"])
    _tell_refusal(client, body, opened)


@apologise_on_error
def rollout_add_button(services: Services, body: dict[str, Any], client: WebClient) -> None:
    team, user = body["team"]["id"], body["user"]["id"]
    _tell_refusal(client, body, open_rollout_form(services, client, body["trigger_id"], team, user))


@apologise_on_error
def rollout_move_button(services: Services, body: dict[str, Any], client: WebClient) -> None:
    team, user = body["team"]["id"], body["user"]["id"]
    opened = open_rollout_move_form(services, client, body["trigger_id"], team, user)
    _tell_refusal(client, body, opened)


@apologise_on_error
def deal_assign_button(
    services: Services, body: dict[str, Any], action: dict[str, Any], client: WebClient
) -> None:
    team, user = body["team"]["id"], body["user"]["id"]
    deal_ref = int(action["value"]) if action["value"].isdigit() else 0
    opened = open_deal_assign_form(services, client, body["trigger_id"], team, user, deal_ref)
    _tell_refusal(client, body, opened)


def _tell_refusal(client: WebClient, body: dict[str, Any], opened: Refusal | None) -> None:
    """A form opened says nothing; a refusal (not an admin, nothing to move) is told."""
    if opened is not None:
        tell(client, body, opened.message)


def _republish(services: Services, client: WebClient, body: dict[str, Any]) -> None:
    if pressed_on_home(body):
        team, user = body["team"]["id"], body["user"]["id"]
        client.views_publish(user_id=user, view=compose_home(services, team, user))
