"""App Home: what each person sees when they open Perspective's Home tab, by role.

Everyone gets the *New field note* / *New promise* buttons. Managers see their team's
trouble first; reps (and managers, who keep promises too) their questions, promises and
notes; marketers the notes they used and asked about; admins what is set up. Each feature
contributes its own section; this module only picks and orders them.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from bot.deals import winloss
from bot.fieldnotes import rules as fieldnotes
from bot.home import blocks as render
from bot.home.admin import admin_sections
from bot.promises import dates
from bot.promises import home as promise_home
from bot.services import Services
from bot.slack.blocks import Blocks, context, divider, header
from bot.teams import Roles, roles_of
from storage import note_uses

MAX_BLOCKS = 100
RECENT_NOTES = 5
MARKETER_NOTES = 5


def compose_home(
    services: Services, team_id: str, user_id: str, roles: Roles | None = None
) -> dict[str, Any]:
    roles = roles or roles_of(services, team_id, user_id)
    blocks: Blocks = [header("Perspective"), render.home_buttons()]
    if roles.manager:
        blocks += _team_sections(services, team_id, user_id)
    if roles.rep:
        blocks += _rep_sections(services, team_id, user_id)
    if roles.marketer:
        blocks += _marketer_sections(services, team_id, user_id)
    if roles.admin:
        blocks += admin_sections(services, team_id, user_id)
    blocks.append(divider())
    blocks.append(context("`/fieldnote help` · `/promise help` · `/perspective help`"))
    return {"type": "home", "blocks": blocks[:MAX_BLOCKS]}


def _team_sections(services: Services, team_id: str, user_id: str) -> Blocks:
    return promise_home.team_commitments(services, team_id, user_id) + _or_empty(
        winloss.home_team_prompts(services, team_id, user_id),
        "Win/loss reasons your reps still owe",
        "None overdue.",
    )


def _rep_sections(services: Services, team_id: str, user_id: str) -> Blocks:
    return [
        *_or_empty(
            winloss.home_my_prompts(services, team_id, user_id),
            "Win/loss questions waiting for you",
            "None waiting.",
        ),
        *promise_home.my_open_promises(services, team_id, user_id),
        *_recent_notes(services, team_id, user_id),
    ]


def _or_empty(section_blocks: Blocks, title: str, empty: str) -> Blocks:
    """A feature's section (which carries its own title), or its title and `empty`."""
    if section_blocks:
        return [divider(), *section_blocks]
    return render.titled(title, [], empty)


def _recent_notes(services: Services, team_id: str, user_id: str) -> Blocks:
    notes = fieldnotes.mine(services, team_id, user_id).notes[:RECENT_NOTES]
    since = _month_start(services, user_id)
    uses = note_uses.use_counts(services.db, team_id, [note.id for note in notes], since)
    blocks = render.titled(
        "My recent field notes",
        render.recent_notes(notes, uses),
        "None yet — press *New field note*, or type `/fieldnote [Account] what they said #tag`.",
    )
    summary = render.usage_summary(uses)
    return [*blocks, summary] if summary else blocks


def _month_start(services: Services, user_id: str) -> datetime:
    """The first of this month, at midnight in the person's own zone."""
    zone = services.directory.timezone(user_id)
    first = dates.local_today(services.clock(), zone).replace(day=1)
    return datetime.combine(first, time(), zone).astimezone(UTC)


def _marketer_sections(services: Services, team_id: str, user_id: str) -> Blocks:
    used = note_uses.uses_by(services.db, team_id, user_id, MARKETER_NOTES)
    asked = note_uses.questions_by(services.db, team_id, user_id, MARKETER_NOTES)
    return [
        *render.titled(
            "Notes I marked used",
            render.marketer_notes(used),
            "None yet — press *Used it* under a note in a digest.",
        ),
        *render.titled(
            "Questions I asked reps",
            render.marketer_notes(asked),
            "None yet — press *Ask rep* under a note in a digest.",
        ),
    ]
