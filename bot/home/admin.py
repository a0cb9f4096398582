"""The admin's part of the Home tab: what is set up, each with the way to change it."""

from __future__ import annotations

from bot.deals.commands import unassigned_deals
from bot.deals.intake import win_prompts_on
from bot.digests import subscriptions as digests
from bot.home import blocks as render
from bot.home.checklist import setup_checklist
from bot.promises import rollouts
from bot.services import Services
from bot.slack.blocks import Blocks
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
    blocks.append(render.team_buttons())
    known = rollouts.all_rollouts(services, team_id)
    blocks += render.titled(
        "Rollouts", render.rollout_lines(known), f"No rollouts yet — {rollouts.ADD_EXAMPLE}."
    )
    blocks.append(render.rollout_buttons(bool(known)))
    blocks += render.titled(
        "Deals without a Slack owner",
        render.unassigned_rows(unassigned_deals(services, team_id)),
        "Every deal has a Slack owner. :tada:",
    )
    return blocks + render.titled(
        "Settings", render.win_prompts(win_prompts_on(services, team_id)), "Nothing to set."
    )
