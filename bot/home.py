"""App Home: what each person sees when they open Perspective's Home tab.

Each feature contributes its own section; this module only orders them.
"""

from __future__ import annotations

from typing import Any

from bot.deals import winloss
from bot.fieldnotes import rules as fieldnotes
from bot.fieldnotes.blocks import describe
from bot.promises import home as promise_home
from bot.services import Services
from bot.slack import mrkdwn
from bot.slack.blocks import Blocks, context, divider, header, section

MAX_BLOCKS = 100


def compose_home(services: Services, team_id: str, user_id: str) -> dict[str, Any]:
    blocks: Blocks = [header("Perspective")]
    for part in (
        promise_home.my_open_promises,
        winloss.home_my_prompts,
        promise_home.team_commitments,
        winloss.home_team_prompts,
        _recent_notes,
    ):
        blocks.extend(part(services, team_id, user_id))
    blocks.append(divider())
    blocks.append(context("`/fieldnote help` · `/promise help` · `/perspective help`"))
    return {"type": "home", "blocks": blocks[:MAX_BLOCKS]}


def _recent_notes(services: Services, team_id: str, user_id: str) -> Blocks:
    page = fieldnotes.mine(services, team_id, user_id)
    blocks: Blocks = [divider(), section("*My recent field notes*")]
    if not page.notes:
        return [*blocks, context("None yet — `/fieldnote [Account] what they said #tag`.")]
    lines = [
        f"{describe(note)} — {mrkdwn.escape(mrkdwn.excerpt(note.text, 120))}"
        for note in page.notes[:5]
    ]
    return [*blocks, section("\n".join(lines))]
