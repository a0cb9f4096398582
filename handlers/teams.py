"""`/perspective team` and the team form (admins set who reports to whom), and
`/perspective marketers` (who is in marketing)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot import teams
from bot.refusals import Refusal
from bot.services import Services
from bot.slack.blocks import selected_user, selected_users
from bot.slack.mrkdwn import user
from handlers.common import (
    SAVED,
    apologise_on_error,
    confirm_form,
    refuse,
    reply,
    save_before_closing,
    say,
    with_services,
)


def register(app: App, services: Services) -> None:
    bind = with_services(services)
    app.view(teams.TEAM_FORM)(ack=bind(save_team_form), lazy=[bind(confirm_team_form)])


def team(services: Services, command: dict[str, Any], rest: str, respond: Respond) -> None:
    if refusal := services.require_admin(command["user_id"], "set up teams"):
        refuse(respond, refusal)
        return
    request = teams.read_command(rest, services.directory.members_named)
    team_id = command["team_id"]
    match request:
        case Refusal():
            refuse(respond, request)
        case teams.OpenForm():
            opened = open_team_form(
                services,
                services.client,
                command["trigger_id"],
                command["user_id"],
                command.get("channel_id"),
            )
            if opened is not None:
                refuse(respond, opened)
        case teams.Show(manager):
            reps = teams.reps(services, team_id, manager)
            listing = ", ".join(user(rep) for rep in reps) if reps else "nobody yet"
            reply(respond, text=f"{user(manager)}'s team: {listing}.", response_type="ephemeral")
        case teams.Assign():
            before = teams.assign(services, team_id, request)
            reply(respond, text=_assigned(request, before), response_type="ephemeral")


def marketers(services: Services, command: dict[str, Any], rest: str, respond: Respond) -> None:
    """`/perspective marketers @…` names people in marketing (their Home and welcome are a
    marketer's); alone, it lists them."""
    if refusal := services.require_admin(command["user_id"], "name marketers"):
        refuse(respond, refusal)
        return
    request = teams.read_marketers(rest, services.directory.members_named)
    team_id = command["team_id"]
    match request:
        case Refusal():
            refuse(respond, request)
        case teams.ListMarketers():
            named = teams.named_marketers(services, team_id)
            listing = ", ".join(user(person) for person in named) if named else "nobody yet"
            say(
                respond,
                f"Marketers: {listing}. Everyone in a digest channel counts as one too. "
                f"Name more with {teams.MARKETERS_EXAMPLE}.",
            )
        case teams.NameMarketers(people):
            new = teams.name_marketers(services, team_id, command["user_id"], request)
            before = [person for person in people if person not in new]
            note = f" {', '.join(user(p) for p in before)} already were." if before else ""
            added = ", ".join(user(p) for p in new) or "Nobody new"
            say(
                respond,
                f":mega: {added} now see marketing's Home: the notes they used and the "
                f"questions they asked.{note}",
            )


def open_team_form(
    services: Services,
    client: WebClient,
    trigger_id: str,
    user_id: str,
    channel: str | None = None,
) -> Refusal | None:
    """Open the team form for an admin (from `/perspective team` or a Home button); anyone
    else gets the refusal back, for the caller to show where they asked. The confirmation
    goes to `channel`, or to a DM without one."""
    if refusal := services.require_admin(user_id, "set up teams"):
        return refusal
    client.views_open(trigger_id=trigger_id, view=teams.team_form(channel or ""))
    return None


def _from_form(view: dict[str, Any]) -> teams.Assign | Refusal:
    return teams.read_form(
        selected_user(view, teams.MANAGER_INPUT), selected_users(view, teams.REPS_INPUT)
    )


def save_team_form(
    services: Services, ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    """Saved in the ack (a few local writes), so a closed form is a set-up team. Only an admin
    was shown the form, and Slack takes its submission only from them: no second check."""
    team_id = body["team"]["id"]
    save_before_closing(
        ack,
        context,
        _from_form(view),
        lambda assign: teams.assign(services, team_id, assign),
        what="team",
        field=teams.REPS_INPUT,
    )


@apologise_on_error
def confirm_team_form(
    services: Services,
    body: dict[str, Any],
    view: dict[str, Any],
    client: WebClient,
    context: BoltContext,
) -> None:
    assigned = _from_form(view)
    if context.get(SAVED) is None or isinstance(assigned, Refusal):
        return  # refused, or handed back, in the form itself
    text = _assigned(assigned, context[SAVED])
    channel = view.get("private_metadata") or None
    confirm_form(client, body, channel, text, "Team saved")


def _assigned(assign: teams.Assign, before: dict[str, str | None]) -> str:
    """Who now reports to whom, who moved from another team, and what the manager gets."""
    manager, reps = assign.manager_id, assign.rep_ids
    moved = [
        f"{user(rep)} (was {user(old)}'s)" for rep, old in before.items() if old and old != manager
    ]
    note = f" Moved: {', '.join(moved)}." if moved else ""
    verb = "now reports" if len(reps) == 1 else "now report"
    return (
        f":busts_in_silhouette: {', '.join(user(r) for r in reps)} {verb} to "
        f"{user(manager)}.{note} {user(manager)} gets a daily nudge at 09:00 about their "
        "broken and at-risk commitments and overdue win/loss reasons."
    )
