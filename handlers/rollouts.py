"""`/perspective rollout add|move|list`: admins keep launch dates; a slip warns at once."""

from __future__ import annotations

from typing import Any

from slack_bolt import Respond

from bot.promises import rollouts
from bot.refusals import Refusal
from bot.services import Services
from bot.slack.blocks import day
from bot.slack.mrkdwn import escape
from handlers.common import refuse, say
from storage.rollouts import MoveOutcome, Rollout


def rollout(services: Services, command: dict[str, Any], rest: str, respond: Respond) -> None:
    team_id, user_id = command["team_id"], command["user_id"]
    if refusal := services.require_admin(user_id, "manage rollouts"):
        refuse(respond, refusal)
        return
    request = rollouts.read_command(rest)
    match request:
        case Refusal():
            refuse(respond, request)
        case rollouts.ListRollouts():
            _list(services, team_id, respond)
        case rollouts.AddRollout():
            added = rollouts.add(services, team_id, user_id, request)
            if isinstance(added, Refusal):
                refuse(respond, added)
                return
            say(
                respond,
                f":rocket: Rollout `{added.key}` ({escape(added.title)}) ships "
                f"{day(added.ships_on)}. Reps write `needs:{added.key}` in a promise.",
            )
        case rollouts.MoveRollout():
            moved = rollouts.move(services, team_id, user_id, request)
            _say_moved(respond, moved)


def _say_moved(respond: Respond, moved: MoveOutcome | Rollout | Refusal) -> None:
    match moved:
        case Refusal():
            refuse(respond, moved)
        case Rollout():
            say(
                respond,
                f"`{moved.key}` is already planned for {day(moved.ships_on)} — nothing changed.",
            )
        case MoveOutcome(move=move):
            say(
                respond,
                f":calendar: `{move.rollout_key}` moved from {day(move.old_ships_on)} "
                f"to {day(move.new_ships_on)}. {_at_risk(moved)}",
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
