"""The admin's part of the Home tab: what is set up, each with the way to change it."""

from __future__ import annotations

from bot.deals.commands import list_unassigned
from bot.deals.intake import win_prompts_on
from bot.digests import subscriptions as digests
from bot.home import blocks as render
from bot.home.checklist import setup_checklist
from bot.promises import rollouts
from bot.refusals import Refusal
from bot.services import Services
from bot.slack.blocks import Block, Blocks, divider, section
from bot.teams import memberships


def admin_sections(services: Services, team_id: str, user_id: str) -> Blocks:
    checklist = setup_checklist(services, team_id)
    blocks: Blocks = [] if checklist.done else render.checklist_blocks(checklist)
    now = services.clock()
    found = [(s, digests.next_post(s, now)) for s in digests.subscriptions(services, team_id)]
    blocks += render.titled("Digests", render.digest_rows(found), "No digests yet.")
    blocks += render.titled(
        "Teams",
        render.team_lines(memberships(services, team_id)),
        "No teams yet — `/perspective team @manager @rep1 @rep2`.",
    )
    blocks += render.titled(
        "Rollouts",
        render.rollout_lines(rollouts.all_rollouts(services, team_id)),
        f"No rollouts yet — {rollouts.ADD_EXAMPLE}.",
    )
    blocks += [divider(), _unassigned(services, team_id, user_id)]
    return blocks + render.titled(
        "Settings", render.win_prompts(win_prompts_on(services, team_id)), "Nothing to set."
    )


def _unassigned(services: Services, team_id: str, user_id: str) -> Block:
    """The deals `/perspective deal unassigned` lists (titled), or that there are none."""
    listing = list_unassigned(services, team_id, user_id)
    text = listing.message if isinstance(listing, Refusal) else listing
    return section(text[:3000])
