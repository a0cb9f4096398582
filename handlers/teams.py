"""`/perspective team`: admins set who reports to whom."""

from __future__ import annotations

from typing import Any

from slack_bolt import Respond

from bot import teams
from bot.refusals import Refusal
from bot.services import Services
from bot.slack.mrkdwn import user
from handlers.common import refuse, reply, say


def team(services: Services, command: dict[str, Any], rest: str, respond: Respond) -> None:
    if refusal := services.require_admin(command["user_id"], "set up teams"):
        refuse(respond, refusal)
        return
    request = teams.read_command(rest)
    team_id = command["team_id"]
    match request:
        case Refusal():
            refuse(respond, request)
        case teams.Show(manager):
            reps = teams.reps(services, team_id, manager)
            listing = ", ".join(user(rep) for rep in reps) if reps else "nobody yet"
            reply(respond, text=f"{user(manager)}'s team: {listing}.", response_type="ephemeral")
        case teams.Assign(manager, reps):
            before = teams.assign(services, team_id, request)
            moved = [
                f"{user(rep)} (was {user(old)}'s)"
                for rep, old in before.items()
                if old and old != manager
            ]
            note = f" Moved: {', '.join(moved)}." if moved else ""
            verb = "now reports" if len(reps) == 1 else "now report"
            reply(
                respond,
                text=f":busts_in_silhouette: {', '.join(user(r) for r in reps)} {verb} to "
                f"{user(manager)}.{note} {user(manager)} gets a daily nudge at 09:00 about their "
                "broken and at-risk commitments and overdue win/loss reasons.",
                response_type="ephemeral",
            )


def marketers(services: Services, command: dict[str, Any], rest: str, respond: Respond) -> None:
    """`/perspective marketers @…` names people in marketing (their Home and welcome are a
    marketer's); alone, it lists them."""
    if refusal := services.require_admin(command["user_id"], "name marketers"):
        refuse(respond, refusal)
        return
    request = teams.read_marketers(rest)
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
