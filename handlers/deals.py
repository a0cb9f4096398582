"""Closed deals in Slack: `/perspective deal`, `/perspective settings`, the reason
buttons, the reason modal and the manager's "Remind them" button."""

from __future__ import annotations

import json
import re
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.deals import blocks as render
from bot.deals import commands as deal_commands
from bot.deals import winloss
from bot.home import compose_home
from bot.intel.blocks import competitor_buttons
from bot.refusals import Refusal
from bot.services import Services
from bot.slack.blocks import input_value, section, selected_user
from handlers.common import (
    SAVED,
    ack_now,
    answer,
    apologise_on_error,
    confirm_form,
    pressed_on_home,
    respond_blocks,
    save_before_closing,
    tell,
    with_services,
)


def deal_command(services: Services, command: dict[str, Any], text: str, respond: Respond) -> None:
    """`/perspective deal won|lost|stats|unassigned|assign|help …`."""
    team, user = command["team_id"], command["user_id"]
    word, _, rest = text.partition(" ")
    match word.lower():
        case "won" | "lost":
            reply = deal_commands.record_from_slack(services, team, user, word.lower(), rest)
        case "stats":
            days = deal_commands.read_period(rest)
            if not isinstance(days, Refusal):
                _show_stats(respond, deal_commands.stats(services, team, days))
                return
            reply = days
        case "unassigned":
            reply = deal_commands.list_unassigned(services, team, user)
        case "assign":
            reply = _assign(services, command, rest)
        case "" | "help":
            reply = deal_commands.HELP
        case _:
            reply = Refusal(f"`{word[:40]}` isn't a deal command.\n{deal_commands.HELP}")
    if reply is not None:  # None: a form opened instead
        answer(respond, reply)


def _assign(services: Services, command: dict[str, Any], text: str) -> str | Refusal | None:
    """`deal assign 12 @jane` assigns; `deal assign 12` opens the form with a person picker."""
    team, user = command["team_id"], command["user_id"]
    request = deal_commands.read_assign(text, services.directory.members_named)
    match request:
        case deal_commands.OpenAssignForm(deal_ref):
            trigger = command["trigger_id"]
            channel = command.get("channel_id")
            return open_deal_assign_form(
                services, services.client, trigger, team, user, deal_ref, channel
            )
        case deal_commands.AssignDeal():
            return deal_commands.assign(services, team, user, request)
    return request


def open_deal_assign_form(
    services: Services,
    client: WebClient,
    trigger_id: str,
    team_id: str,
    user_id: str,
    deal_ref: int,
    channel: str | None = None,
) -> Refusal | None:
    """Open the owner picker for a deal waiting for one (from `deal assign 12` or the admin
    Home's *Assign* button); the refusal for a non-admin or a deal that has an owner, for
    the caller to show. Confirmed in `channel`, else in a DM."""
    if refusal := services.require_admin(user_id, "assign deals"):
        return refusal
    deal = deal_commands.waiting_deal(services, team_id, deal_ref)
    if isinstance(deal, Refusal):
        return deal
    metadata = json.dumps({"deal": deal.id, "channel": channel})
    client.views_open(trigger_id=trigger_id, view=render.assign_form(deal, metadata))
    return None


def _assignment(
    services: Services, body: dict[str, Any], view: dict[str, Any]
) -> deal_commands.AssignDeal | Refusal:
    deal_ref = int(json.loads(view.get("private_metadata") or "{}").get("deal", 0))
    owner = selected_user(view, render.OWNER_INPUT)
    return deal_commands.read_assign_form(services, body["team"]["id"], deal_ref, owner)


def save_assign_form(
    services: Services, ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    """Saved in the ack (local writes; the owner's prompt is queued, not sent), so a closed
    form is an assigned deal. Only an admin was shown the form: no second check."""
    team = body["team"]["id"]

    def save(request: deal_commands.AssignDeal) -> int | Refusal:
        deal = deal_commands.give_owner(services, team, request)
        return deal if isinstance(deal, Refusal) else deal.id

    checked = _assignment(services, body, view)
    save_before_closing(ack, context, checked, save, what="assignment", field=render.OWNER_INPUT)


@apologise_on_error
def confirm_assign_form(
    services: Services,
    body: dict[str, Any],
    view: dict[str, Any],
    client: WebClient,
    context: BoltContext,
) -> None:
    if context.get(SAVED) is None:
        return  # refused in the form
    deal = deal_commands.deal_by_ref(services, body["team"]["id"], context[SAVED])
    owner = selected_user(view, render.OWNER_INPUT)
    if deal is None or owner is None:
        return
    text = deal_commands.assigned_text(deal, owner)
    channel = json.loads(view.get("private_metadata") or "{}").get("channel")
    confirm_form(client, body, channel, text, text)


def _show_stats(respond: Respond, report: deal_commands.Stats) -> None:
    """The stats, with a *Competitor* button for each competitor they name."""
    names = [name for name, _ in report.competitors]
    text = deal_commands.describe_stats(report)
    respond_blocks(respond, [section(text), *competitor_buttons(names)], text)


def settings_command(
    services: Services, command: dict[str, Any], text: str, respond: Respond
) -> None:
    """`/perspective settings [win-prompts on|off]`."""
    answer(
        respond,
        deal_commands.change_settings(services, command["team_id"], command["user_id"], text),
    )


def register(app: App, services: Services) -> None:
    bind = with_services(services)
    app.action(re.compile(rf"^{render.REASON_ACTION}:"))(
        ack=ack_now, lazy=[bind(open_reason_modal)]
    )
    app.action({"block_id": render.REASON_BLOCK, "action_id": "value"})(
        ack=ack_now, lazy=[bind(change_reason)]
    )
    app.view(render.MODAL_CALLBACK)(ack=bind(validate_answer), lazy=[bind(save_answer)])
    app.action(render.REMIND_ACTION)(ack=ack_now, lazy=[bind(remind_rep)])
    app.view(render.ASSIGN_FORM)(ack=bind(save_assign_form), lazy=[bind(confirm_assign_form)])


@apologise_on_error
def open_reason_modal(
    services: Services, body: dict[str, Any], action: dict[str, Any], client: WebClient
) -> None:
    team, user = body["team"]["id"], body["user"]["id"]
    closure = winloss.answerable(services, team, user, int(action["value"]))
    if isinstance(closure, Refusal):
        tell(client, body, closure.message)
        return
    reason = action["action_id"].partition(":")[2]
    view = render.reason_modal(closure, reason, from_home=pressed_on_home(body))
    client.views_open(trigger_id=body["trigger_id"], view=view)


@apologise_on_error
def change_reason(
    services: Services, body: dict[str, Any], action: dict[str, Any], client: WebClient
) -> None:
    """Picking another reason in the modal shows or hides the competitor field."""
    view = body["view"]
    metadata = json.loads(view.get("private_metadata") or "{}")
    team, user = body["team"]["id"], body["user"]["id"]
    closure = winloss.answerable(services, team, user, int(metadata["closure"]))
    if isinstance(closure, Refusal):
        return
    reason = (action.get("selected_option") or {}).get("value", "")
    updated = render.reason_modal(closure, reason, from_home=bool(metadata.get("home")))
    client.views_update(view_id=view["id"], hash=view.get("hash"), view=updated)


def validate_answer(
    services: Services, ack: Ack, body: dict[str, Any], view: dict[str, Any]
) -> None:
    """Check on the server too: inline errors, nothing stored."""
    closure_id = int(json.loads(view.get("private_metadata") or "{}").get("closure", 0))
    closure = winloss.answerable(services, body["team"]["id"], body["user"]["id"], closure_id)
    if isinstance(closure, Refusal):
        ack(response_action="errors", errors={"customer_said": closure.message})
        return
    errors = winloss.check_answer(_draft_from_view(view), closure.outcome)
    if errors:
        ack(response_action="errors", errors=errors)
    else:
        ack()


@apologise_on_error
def save_answer(
    services: Services, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    team, user = body["team"]["id"], body["user"]["id"]
    metadata = json.loads(view.get("private_metadata") or "{}")
    saved = winloss.answer(services, team, user, int(metadata["closure"]), _draft_from_view(view))
    if isinstance(saved, Refusal):
        return  # refused inline already, or a double submit lost the race
    if metadata.get("home"):
        client.views_publish(user_id=user, view=compose_home(services, team, user))


@apologise_on_error
def remind_rep(
    services: Services, body: dict[str, Any], action: dict[str, Any], client: WebClient
) -> None:
    team, user = body["team"]["id"], body["user"]["id"]
    result = winloss.remind_from_manager(services, team, user, int(action["value"]))
    tell(client, body, result.message if isinstance(result, Refusal) else result)


def _draft_from_view(view: dict[str, Any]) -> winloss.AnswerDraft:
    values = view.get("state", {}).get("values", {})
    selected = values.get(render.REASON_BLOCK, {}).get("value", {}).get("selected_option") or {}
    checked = values.get("talked", {}).get("value", {}).get("selected_options") or []
    return winloss.AnswerDraft(
        reason=selected.get("value", ""),
        competitor=input_value(view, "competitor"),
        customer_said=" ".join((input_value(view, "customer_said") or "").split()),
        talked_to_customer=any(option.get("value") == "yes" for option in checked),
        marketing_note=input_value(view, "marketing_note"),
    )
