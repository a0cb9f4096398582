"""`/perspective team`: admins set who reports to whom."""

from __future__ import annotations

from typing import Any

from slack_bolt import Respond

from bot import teams
from bot.refusals import Refusal
from bot.services import Services
from bot.slack.mrkdwn import user
from handlers.common import refuse, reply


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
