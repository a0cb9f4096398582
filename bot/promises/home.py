"""App Home sections for promises: my open promises, and for managers their team's trouble."""

from __future__ import annotations

from bot.promises import blocks as render
from bot.promises import dates
from bot.promises.nudges import commitment_list
from bot.services import Services
from bot.slack.blocks import Blocks, context, divider, section
from storage import promises as store
from storage import teams

HOME_PROMISES = 10


def my_open_promises(services: Services, team_id: str, user_id: str) -> Blocks:
    """Open promises, soonest due first, each with Kept / Need more time / Broken."""
    open_ = store.open_promises_of(services.db, team_id, user_id, HOME_PROMISES + 1)
    blocks: Blocks = [divider(), section("*My open promises*")]
    if not open_:
        return [*blocks, context("None open — `/promise SSO support to [Acme] by friday`.")]
    today = dates.local_today(services.clock(), services.directory.timezone(user_id))
    for promise in open_[:HOME_PROMISES]:
        blocks.append(section(f"{render.handle(promise)}\n{render.status_line(promise, today)}"))
        blocks.append(render.promise_buttons(promise))
    if len(open_) > HOME_PROMISES:
        blocks.append(context("More with `/promise list`."))
    return blocks


def team_commitments(services: Services, team_id: str, user_id: str) -> Blocks:
    """For managers: their reps' broken and at-risk promises not yet marked "Got it"."""
    reps = teams.reps_of(services.db, team_id, user_id)
    if not reps:
        return []
    trouble = store.needing_attention(services.db, team_id, reps)
    blocks: Blocks = [divider(), section("*My team's broken and at-risk commitments*")]
    if not trouble:
        return [*blocks, context("Nothing broken or at risk. :tada:")]
    return [*blocks, *commitment_list(services, team_id, "", trouble, services.clock())]
