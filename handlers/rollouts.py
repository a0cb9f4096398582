"""`/perspective rollout add|move|list` and the rollout forms: admins keep launch dates;
a slip warns at once."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.promises import blocks as render
from bot.promises import rollouts
from bot.refusals import Refusal
from bot.services import Services
from bot.slack.blocks import day, input_value, selected_date, selected_option
from bot.slack.mrkdwn import escape
from handlers.common import (
    SAVED,
    apologise_on_error,
    confirm_form,
    refuse,
    save_before_closing,
    say,
    with_services,
)
from storage.rollouts import MoveOutcome, Rollout

ADMINS_ONLY = "manage rollouts"


def register(app: App, services: Services) -> None:
    bind = with_services(services)
    app.view(render.ROLLOUT_ADD_FORM)(ack=bind(save_add_form), lazy=[bind(confirm_add_form)])
    app.view(render.ROLLOUT_MOVE_FORM)(ack=bind(save_move_form), lazy=[bind(confirm_move_form)])


def rollout(services: Services, command: dict[str, Any], rest: str, respond: Respond) -> None:
    team_id, user_id = command["team_id"], command["user_id"]
    if refusal := services.require_admin(user_id, ADMINS_ONLY):
        refuse(respond, refusal)
        return
    request = rollouts.read_command(rest)
    opening = (services, services.client, command["trigger_id"], team_id, user_id)
    channel = command.get("channel_id")
    match request:
        case Refusal():
            refuse(respond, request)
        case rollouts.OpenAddForm():
            _refuse_if(respond, open_rollout_form(*opening, channel))
        case rollouts.OpenMoveForm():
            _refuse_if(respond, open_rollout_move_form(*opening, channel))
        case rollouts.ListRollouts():
            _list(services, team_id, respond)
        case rollouts.AddRollout():
            added = rollouts.add(services, team_id, user_id, request)
            say(respond, added.message if isinstance(added, Refusal) else _added(added))
        case rollouts.MoveRollout():
            moved = rollouts.move(services, team_id, user_id, request)
            say(respond, moved.message if isinstance(moved, Refusal) else _moved(moved))


def _refuse_if(respond: Respond, refusal: Refusal | None) -> None:
    if refusal is not None:
        refuse(respond, refusal)


# ---- the forms --------------------------------------------------------------------------


def open_rollout_form(
    services: Services,
    client: WebClient,
    trigger_id: str,
    team_id: str,
    user_id: str,
    channel: str | None = None,
) -> Refusal | None:
    """Open the add-rollout form for an admin (from `/perspective rollout add` or a Home
    button); anyone else gets the refusal back to show. Confirmed in `channel`, else a DM."""
    if refusal := services.require_admin(user_id, ADMINS_ONLY):
        return refusal
    view = render.rollout_add_form(rollouts.today_for(services, user_id), channel or "")
    client.views_open(trigger_id=trigger_id, view=view)
    return None


def open_rollout_move_form(
    services: Services,
    client: WebClient,
    trigger_id: str,
    team_id: str,
    user_id: str,
    channel: str | None = None,
    key: str | None = None,
) -> Refusal | None:
    """Open the move-rollout form for an admin, with `key` picked if given; a refusal when
    there is nothing to move yet or the person is not an admin."""
    if refusal := services.require_admin(user_id, ADMINS_ONLY):
        return refusal
    known = rollouts.all_rollouts(services, team_id)
    if not known:
        return Refusal(f"No rollouts yet, so nothing to move. Add one: {rollouts.ADD_EXAMPLE}")
    today = rollouts.today_for(services, user_id)
    view = render.rollout_move_form(known, today, channel or "", key)
    client.views_open(trigger_id=trigger_id, view=view)
    return None


def _picked(view: dict[str, Any]) -> date | None:
    picked = selected_date(view, render.DATE_INPUT)
    return date.fromisoformat(picked) if picked else None


def _new_rollout(
    services: Services, body: dict[str, Any], view: dict[str, Any]
) -> rollouts.NewRollout | Refusal:
    return rollouts.read_add_form(
        services,
        body["team"]["id"],
        body["user"]["id"],
        input_value(view, render.KEY_INPUT) or "",
        " ".join((input_value(view, render.TITLE_INPUT) or "").split()),
        _picked(view),
    )


def save_add_form(
    services: Services, ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    """Saved in the ack (one local write): a closed form is a stored rollout. Only an admin was
    shown the form, and Slack takes its submission only from them: no second check."""
    team_id, user_id = body["team"]["id"], body["user"]["id"]

    def save(new: rollouts.NewRollout) -> str | Refusal:
        stored = rollouts.store_new(services, team_id, user_id, new)
        return stored if isinstance(stored, Refusal) else stored.key

    checked = _new_rollout(services, body, view)
    save_before_closing(ack, context, checked, save, what="rollout", field=render.KEY_INPUT)


@apologise_on_error
def confirm_add_form(
    services: Services,
    body: dict[str, Any],
    view: dict[str, Any],
    client: WebClient,
    context: BoltContext,
) -> None:
    if context.get(SAVED) is None:
        return  # refused in the form
    added = rollouts.rollout_named(services, body["team"]["id"], context[SAVED])
    if added is not None:
        _confirm(client, body, view, _added(added))


def save_move_form(
    services: Services, ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    """The move is stored in the ack (local writes: the rollout and the promises it puts at
    risk); the alerts to owners and managers go out after the form has closed."""
    team_id, user_id = body["team"]["id"], body["user"]["id"]

    def save(change: rollouts.Reschedule) -> list[int] | Refusal:
        outcome = rollouts.reschedule(services, team_id, user_id, change)
        if isinstance(outcome, MoveOutcome):
            return [outcome.move.id, outcome.at_risk, outcome.cleared]
        # Changed by another admin since the form's checks: say so under the date.
        said = _moved(outcome) if outcome is not None else f"There is no rollout `{change.key}`."
        return Refusal(said, field=render.DATE_INPUT)

    checked = rollouts.read_move_form(
        services, team_id, user_id, selected_option(view, render.ROLLOUT_INPUT), _picked(view)
    )
    save_before_closing(ack, context, checked, save, what="move", field=render.DATE_INPUT)


@apologise_on_error
def confirm_move_form(
    services: Services,
    body: dict[str, Any],
    view: dict[str, Any],
    client: WebClient,
    context: BoltContext,
) -> None:
    if context.get(SAVED) is None:
        return  # refused in the form
    move_id, at_risk, cleared = context[SAVED]
    move = rollouts.stored_move(services, move_id)
    if move is None:
        return
    rollouts.announce(services, move)
    _confirm(client, body, view, _moved(MoveOutcome(move=move, at_risk=at_risk, cleared=cleared)))


def _confirm(client: WebClient, body: dict[str, Any], view: dict[str, Any], text: str) -> None:
    confirm_form(client, body, view.get("private_metadata") or None, text, text)


# ---- what the admin is told -------------------------------------------------------------


def _added(added: Rollout) -> str:
    return (
        f":rocket: Rollout `{added.key}` ({escape(added.title)}) ships "
        f"{day(added.ships_on)}. Reps write `needs:{added.key}` in a promise."
    )


def _moved(moved: MoveOutcome | Rollout) -> str:
    match moved:
        case Rollout():
            return f"`{moved.key}` is already planned for {day(moved.ships_on)} — nothing changed."
        case MoveOutcome(move=move):
            return (
                f":calendar: `{move.rollout_key}` moved from {day(move.old_ships_on)} "
                f"to {day(move.new_ships_on)}. {_at_risk(moved)}"
            )


def _at_risk(moved: MoveOutcome) -> str:
    """How the move changed the promises that need the rollout, in plain words."""
    if moved.at_risk == 0 and moved.cleared == 0:
        return "No open promise is affected."
    risk = (
        f"{moved.at_risk} promise{' is' if moved.at_risk == 1 else 's are'} now at risk "
        "(owners and their managers are told)"
        if moved.at_risk
        else "No promise is newly at risk"
    )
    cleared = (
        f"; {moved.cleared} {'is' if moved.cleared == 1 else 'are'} no longer at risk"
        if moved.cleared
        else ""
    )
    return f"{risk}{cleared}."


def _list(services: Services, team_id: str, respond: Respond) -> None:
    known = rollouts.all_rollouts(services, team_id)
    if not known:
        say(respond, f"No rollouts yet. Add one: {rollouts.ADD_EXAMPLE}")
        return
    lines = [f"• `{r.key}` {escape(r.title)} — {day(r.ships_on)}" for r in known[:50]]
    say(respond, "*Rollouts*, soonest first:\n" + "\n".join(lines))
