"""Block Kit for the Home tab and the welcome: pure functions from values to Slack JSON."""

from __future__ import annotations

from datetime import datetime

from bot.deals.blocks import deal_title
from bot.digests.blocks import subscription_line
from bot.fieldnotes import blocks as notes
from bot.fieldnotes.blocks import describe, new_note_button
from bot.home.checklist import Checklist
from bot.promises import blocks as promises
from bot.promises.blocks import new_promise_button
from bot.slack import mrkdwn
from bot.slack.blocks import (
    Block,
    Blocks,
    actions,
    button,
    context,
    day,
    divider,
    moment,
    section,
)
from bot.teams import ADMIN, MANAGER, MARKETER, REP, Roles
from storage.deals import Deal
from storage.digests import DigestSubscription
from storage.fieldnotes import FieldNote
from storage.note_uses import MarketerNote, UseCount
from storage.rollouts import Rollout

ADD_DIGEST_ACTION = "home_add_digest"
REMOVE_DIGEST_ACTION = "home_digest_remove"
WIN_PROMPTS_ACTION = "home_win_prompts"
TEAM_FORM_ACTION = "home_team_form"
ROLLOUT_ADD_ACTION = "home_rollout_add"
ROLLOUT_MOVE_ACTION = "home_rollout_move"
DEAL_ASSIGN_ACTION = "home_deal_assign"
WINLOSS_HELP = (
    "*Win/loss* — when one of your deals closes I ask you why it was really won or lost; "
    "one click answers, from the DM or your Home tab."
)
ROLE_HELP = {
    REP: f"{notes.HELP}\n\n{promises.HELP}\n\n{WINLOSS_HELP}",
    MANAGER: (
        "*Your team* — every morning at 09:00 your time, one DM lists your reps' broken and "
        "at-risk promises and the win/loss questions they left unanswered, with buttons to "
        "remind them. Your Home tab shows the same, first."
    ),
    MARKETER: (
        "*Marketing* — digests bring what the field heard into your channels. Under each note, "
        "*Ask rep* opens a conversation with the rep and *Used it* tells them where it went. "
        "Your Home tab lists the notes you used and the questions you asked."
    ),
    ADMIN: (
        "*Set-up* (admins) — `/perspective help` lists every set-up command: teams, "
        "marketers, digests, rollouts, deals and settings. Your Home tab shows what is set up."
    ),
}
DM_FOOTER = "Write `help` here any time. Anything else you write here, I offer to save as a note."
WELCOME_INTRO = {
    REP: (
        ":wave: *Welcome to Perspective.* I carry what customers tell you to marketing, and keep "
        "track of what you promise them. Three things to try:\n"
        "• Save what a customer said: `/fieldnote [Acme] CFO says per-seat pricing kills it "
        "#pricing`, or *Save as field note* in a message's ⋯ menu\n"
        "• Record a promise: `/promise pilot report to [Acme] by friday` — I remind you the "
        "day before\n"
        "• When one of your deals closes, tell me why it was really won or lost"
    ),
    MANAGER: (
        ":wave: *Welcome to Perspective.* I keep an eye on what your reps promised customers. "
        "Two things to know:\n"
        "• Every morning at 09:00 one DM lists your team's broken and at-risk promises and "
        "unanswered win/loss questions — with *Remind* buttons\n"
        "• My Home tab shows the same, first, whenever you open it"
    ),
    MARKETER: (
        ":wave: *Welcome to Perspective.* I bring what customers tell sales into your digest "
        "channels. Two things to try:\n"
        "• *Ask rep* under a note in a digest opens a conversation with the rep who heard it\n"
        "• *Used it* tells the rep where their note went — the best reason to keep them coming"
    ),
    ADMIN: (
        ":wave: *Welcome to Perspective.* You can set it up for your workspace. "
        "`/perspective help` lists every set-up command."
    ),
}
CHECKLIST_ITEMS = (
    ("team", "A team: who reports to whom", "`/perspective team @manager @rep1 @rep2`"),
    ("digest", "A digest channel for marketing", "`/perspective digest add #marketing`"),
    ("rollout", "A rollout promises can depend on", '`/perspective rollout add sso "SSO"`'),
)


def role_help(roles: Roles, footer: str = DM_FOOTER) -> str:
    """Help for everything this person can do: their own commands first, set-up last."""
    held = [
        role
        for role, has in ((REP, roles.rep), (MANAGER, roles.manager), (MARKETER, roles.marketer))
        if has
    ]
    if roles.admin:
        held.append(ADMIN)
    return "\n\n".join([*(ROLE_HELP[role] for role in held), footer])


def welcome(roles: Roles, checklist: Checklist) -> Blocks:
    """One welcome DM, for the person's main role; an admin's carries the set-up checklist."""
    role = roles.main
    blocks: Blocks = [section(WELCOME_INTRO[role])]
    if role == ADMIN:
        blocks.extend(checklist_blocks(checklist))
    blocks.append(welcome_buttons(role))
    blocks.append(context("Write `help` to me any time for what you can do."))
    return blocks


def welcome_buttons(role: str) -> Block:
    if role == ADMIN:
        return actions(add_digest_button(), new_note_button(), new_promise_button())
    if role == MARKETER:
        return actions(new_note_button())
    return actions(new_note_button(), new_promise_button())


def checklist_blocks(checklist: Checklist) -> Blocks:
    done = {"team": checklist.team, "digest": checklist.digest, "rollout": checklist.rollout}
    lines = [
        f":white_check_mark: ~{label}~" if done[key] else f":white_large_square: {label}: {how}"
        for key, label, how in CHECKLIST_ITEMS
    ]
    title = "*Set-up checklist* — all done :tada:" if checklist.done else "*Set-up checklist*"
    return [section(title + "\n" + "\n".join(lines))]


def add_digest_button() -> Block:
    return button("Add digest", ADD_DIGEST_ACTION, "add")


def home_buttons() -> Block:
    return actions(new_note_button(), new_promise_button(), block_id="home_actions")


def titled(title: str, body: Blocks, empty: str) -> Blocks:
    """A Home section: its title, then its content or one short line saying there is none."""
    return [divider(), section(f"*{title}*"), *(body or [context(empty)])]


def recent_notes(notes_: list[FieldNote], uses: dict[int, UseCount]) -> Blocks:
    """My notes, each with how often marketing used it this month and in all."""
    if not notes_:
        return []
    lines = [
        f"{describe(note)} — {mrkdwn.escape(mrkdwn.excerpt(note.text, 120))}"
        f"{_used(uses.get(note.id))}"
        for note in notes_
    ]
    return [section("\n".join(lines))]


def _used(count: UseCount | None) -> str:
    if count is None:
        return ""
    return f" · :white_check_mark: used {count.recent}× this month, {count.total}× in all"


def usage_summary(uses: dict[int, UseCount]) -> Block | None:
    total = sum(count.total for count in uses.values())
    recent = sum(count.recent for count in uses.values())
    if not total:
        return None
    return context(f"Marketing used these notes {recent}× this month and {total}× in all.")


def marketer_notes(found: list[MarketerNote]) -> Blocks:
    """Notes a marketer used (with where) or asked about, newest first."""
    if not found:
        return []
    lines = []
    for item in found:
        where = f" in _{mrkdwn.escape(mrkdwn.excerpt(item.where, 80))}_" if item.where else ""
        lines.append(
            f"{describe(item.note)} by {mrkdwn.user(item.note.author_id)} — "
            f"{mrkdwn.escape(mrkdwn.excerpt(item.note.text, 100))}{where}, {moment(item.when)}"
        )
    return [section("\n".join(lines))]


def digest_rows(rows: list[tuple[DigestSubscription, datetime]]) -> Blocks:
    """Each digest with a Remove button (confirmed), then the Add digest button."""
    blocks: Blocks = [
        section(
            subscription_line(subscription, next_post),
            accessory=button(
                "Remove",
                REMOVE_DIGEST_ACTION,
                str(subscription.id),
                style="danger",
                confirm=(
                    "Remove this digest?",
                    f"Digest #{subscription.id} stops posting.",
                    "Remove",
                ),
            ),
        )
        for subscription, next_post in rows
    ]
    if not rows:
        blocks.append(context("No digests yet: add one so marketing hears from the field."))
    return [*blocks, actions(add_digest_button())]


def team_lines(memberships: dict[str, list[str]]) -> Blocks:
    if not memberships:
        return []
    lines = [
        f"• {mrkdwn.user(manager)}: {', '.join(mrkdwn.user(rep) for rep in reps)}"
        for manager, reps in memberships.items()
    ]
    return [section("\n".join(lines)[:3000])]


def team_buttons() -> Block:
    return actions(button("Set up a team", TEAM_FORM_ACTION, "team"), block_id="home_teams")


def rollout_lines(found: list[Rollout]) -> Blocks:
    if not found:
        return []
    lines = [f"• `{r.key}` {mrkdwn.escape(r.title)} — {day(r.ships_on)}" for r in found]
    return [section("\n".join(lines)[:3000])]


def rollout_buttons(any_rollout: bool) -> Block:
    add = button("Add rollout", ROLLOUT_ADD_ACTION, "add")
    if not any_rollout:
        return actions(add, block_id="home_rollouts")
    return actions(
        add, button("Move a rollout", ROLLOUT_MOVE_ACTION, "move"), block_id="home_rollouts"
    )


def unassigned_rows(found: list[Deal]) -> Blocks:
    """Deals whose owner is not in Slack, each with the button that picks one."""
    return [
        section(
            f"*#{deal.id}* {deal_title(deal)} {deal.outcome} — owner "
            f"`{mrkdwn.escape(deal.owner_email or 'unknown')}` isn't in Slack",
            accessory=button("Assign", DEAL_ASSIGN_ACTION, str(deal.id)),
        )
        for deal in found
    ]


def win_prompts(on: bool) -> Blocks:
    state = "lost *and won* deals" if on else "lost deals only"
    label, value = ("Ask about lost deals only", "off") if on else ("Ask about won deals too", "on")
    return [
        section(
            f"Win/loss questions go to reps for {state}.",
            accessory=button(label, WIN_PROMPTS_ACTION, value),
        )
    ]
