"""`/perspective`: admin and team set-up, routed to one function per subcommand."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App, Respond

from bot.home.blocks import role_help
from bot.intel.blocks import PERSPECTIVE_HELP
from bot.services import Services
from bot.teams import roles_of
from handlers import deals, digests, intel
from handlers.common import ack_now, apologise_on_error, reply, with_services
from handlers.rollouts import rollout
from handlers.teams import marketers, team

HELP = f"""*Perspective set-up* (admins): typed commands are the quick path; alone, each opens a form with pickers
• `/perspective team @manager @rep1 @rep2` — who reports to whom; plain names work when only one person has each (`team bob alice`); `team @manager` shows a team; `team` alone opens the form
• `/perspective marketers @carol @dan` — who is in marketing (besides digest channels' members); alone, lists them
• `/perspective rollout add sso "SSO integration" end of quarter` — a launch promises can need; `rollout add` alone opens the form
• `/perspective rollout move sso in 6 weeks` — new date; promises it now misses are flagged at once; `rollout move` alone opens the form
• `/perspective rollout list` — rollouts and their dates
• `/perspective deal won|lost "<deal name>" [Account] @owner $amount` — record a closed deal; `deal help` for more
• `/perspective deal assign <number> @owner` — give an unassigned deal its owner; without the owner, the form
• `/perspective settings win-prompts on|off` — ask about won deals too, or only lost ones
{digests.HELP_LINES}
{PERSPECTIVE_HELP}
• `/perspective help` — this help"""

# A subcommand gets the services, the command payload, the words after the
# subcommand (raw text, mentions still escaped) and respond().
Subcommand = Callable[[Services, dict[str, Any], str, Respond], None]


NOT_AN_ADMIN = (
    "Setting Perspective up (teams, digests, rollouts, deals) is for workspace admins and "
    "the people in PERSPECTIVE_ADMINS; ask one of them."
)


def _help_for(services: Services, team_id: str, user_id: str) -> str:
    """Admins get the set-up commands; everyone else what they themselves can do."""
    roles = roles_of(services, team_id, user_id)
    return HELP if roles.admin else role_help(roles, footer=NOT_AN_ADMIN)


def subcommands() -> dict[str, Subcommand]:
    """Every `/perspective` subcommand, by its first word."""
    return {
        "team": team,
        "marketers": marketers,
        "rollout": rollout,
        "digest": digests.digest_command,
        "deal": deals.deal_command,
        "settings": deals.settings_command,
        "competitor": intel.competitor_command,
        "message": intel.message_command,
    }


def register(app: App, services: Services) -> None:
    app.command("/perspective")(ack=ack_now, lazy=[with_services(services)(run)])


@apologise_on_error
def run(services: Services, command: dict[str, Any], respond: Respond) -> None:
    text = (command.get("text") or "").strip()
    word, _, rest = text.partition(" ")
    route = subcommands().get(word.lower())
    if route is None:
        prefix = (
            "" if word.lower() in ("", "help") else f"`{word[:40]}` isn't a /perspective command.\n"
        )
        reply(
            respond,
            text=prefix + _help_for(services, command["team_id"], command["user_id"]),
            response_type="ephemeral",
        )
        return
    route(services, command, rest.strip(), respond)
