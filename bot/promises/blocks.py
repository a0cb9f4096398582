"""Block Kit for promises: pure functions from promises to Slack JSON.

Every message that offers Kept / Need more time / Broken carries the promise id
in the button value; once pressed, the message is replaced by `outcome()`, so
no one can press it into a second state.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.promises.rules import EXAMPLE, MAX_REASON_CHARS, MAX_TEXT_CHARS
from bot.slack import mrkdwn
from bot.slack.blocks import (
    Block,
    Blocks,
    actions,
    button,
    context,
    date_input,
    day,
    input_block,
    modal,
    section,
    static_select,
    text_input,
)
from storage.promises import BROKEN, KEPT, OPEN, DueDateChange, Promise
from storage.rollouts import Rollout, RolloutMove

CAPTURE_MODAL = "promise_modal"
MOVE_MODAL = "promise_move_modal"
BROKEN_MODAL = "promise_broken_modal"
KEPT_ACTION = "promise_kept"
MORE_TIME_ACTION = "promise_more_time"
BROKEN_ACTION = "promise_broken"
HANDLING_ACTION = "promise_handling"
REMIND_REP_ACTION = "promise_remind_rep"
SEEN_ACTION = "promise_seen"
NEW_PROMISE_ACTION = "home_new_promise"  # the New promise button (Home tab, welcome)
NEW_PROMISE_SHORTCUT = "new_promise"  # the global shortcut (manifest.yml)
ROLLOUT_ADD_FORM = "rollout_add_form"
ROLLOUT_MOVE_FORM = "rollout_move_form"
KEY_INPUT, TITLE_INPUT, DATE_INPUT, ROLLOUT_INPUT = "key", "title", "ships_on", "rollout"
MAX_TITLE_CHARS = 200

HELP = f"""*Promises* — what you told a customer would happen, and by when.
• `/promise <what> to [Customer] by <date> needs:<rollout>` — record a promise, e.g.
   {EXAMPLE}
   Dates: `2026-12-15`, `today`, `tomorrow`, `friday`, `next week`, `in 3 days`, `in 2 weeks`, `end of month`, `end of quarter`, `Q1`…`Q4` (in your own time zone). `to [Customer]` and `needs:` are optional.
• `/promise` — open a form instead (or *New promise* in the ⚡ shortcuts menu and on my Home tab)
• `/promise list` — your promises, open ones first by due date
• `/promise kept <number>` — you kept it :tada:
• `/promise broken <number> <why>` — it broke; say why, your manager will see it
• `/promise move <number> <date>` — a new due date (the old one stays in the history)
• `/promise snooze <number> [date]` — no reminder for it, or remind on that date instead
• `/promise help` — this help
I remind you the day before a promise is due, at 09:00 your time."""


def new_promise_button() -> Block:
    return button("New promise", NEW_PROMISE_ACTION, "new")


@dataclass(frozen=True)
class Origin:
    """Where a button was pressed, so a modal submitted later can update that message."""

    promise_id: int
    channel: str | None = None
    ts: str | None = None
    home: bool = False
    response_url: str | None = None  # for ephemeral messages, which only it can replace
    shown: tuple[int, ...] = ()  # every promise the message shows, when it shows several

    def dump(self) -> str:
        return json.dumps(
            {
                "p": self.promise_id,
                "c": self.channel,
                "t": self.ts,
                "h": self.home,
                "r": self.response_url,
                "s": list(self.shown),
            }
        )

    @classmethod
    def load(cls, text: str) -> Origin:
        data = json.loads(text)
        shown = tuple(int(i) for i in data.get("s") or ())
        return cls(
            int(data["p"]), data.get("c"), data.get("t"), bool(data.get("h")), data.get("r"), shown
        )


def handle(promise: Promise) -> str:
    """`#12 SSO support → *Acme Corp*` (escaped user text)."""
    customer = f" → *{mrkdwn.escape(promise.account)}*" if promise.account else ""
    return f"*#{promise.id}* {mrkdwn.escape(mrkdwn.excerpt(promise.text, 300))}{customer}"


def due(when: date) -> str:
    return day(when)


def status_line(promise: Promise, today: date) -> str:
    if promise.status == KEPT:
        return ":white_check_mark: kept"
    if promise.status == BROKEN:
        why = (
            f": {mrkdwn.escape(mrkdwn.excerpt(promise.broken_reason, 200))}"
            if promise.broken_reason
            else " (due date passed)"
        )
        return f":x: broken{why}"
    risk = " · :warning: *at risk* (its rollout ships later)" if promise.at_risk else ""
    snoozed = " · :zzz: no reminder" if promise.snoozed else ""
    return (
        f":calendar: due {due(promise.due_on)} ({how_soon(promise.due_on, today)}){risk}{snoozed}"
    )


def how_soon(due_on: date, today: date) -> str:
    days = (due_on - today).days
    if days < 0:
        return "overdue"
    return "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days"


def saved(promise: Promise, rollout: Rollout | None) -> Blocks:
    blocks = [
        section(
            f":handshake: Promise {handle(promise)} saved, due *{due(promise.due_on)}*.",
        )
    ]
    notes = []
    if rollout is not None:
        notes.append(
            f"Needs rollout `{rollout.key}` ({mrkdwn.escape(rollout.title)}), shipping {due(rollout.ships_on)}."
        )
    if promise.at_risk:
        notes.append(
            ":warning: That rollout ships *after* this is due — the promise is at risk already."
        )
    if promise.remind_at is not None:
        notes.append("I'll remind you the day before at 09:00.")
    if notes:
        blocks.append(context(" ".join(notes)))
    return blocks


REMINDER_HINT = "Did you keep it? If it needs more time, say so now, before the customer asks."
REMINDERS_HINT = "Kept them? If one needs more time, say so now, before the customer asks."
MAX_REMINDED = 15  # three blocks each stay inside a message's 50
PROMISE_BLOCK = re.compile(r"promise_(\d+)")


def promise_buttons(promise: Promise) -> Block:
    value = str(promise.id)
    return actions(
        button("Kept", KEPT_ACTION, value, style="primary"),
        button("Need more time", MORE_TIME_ACTION, value),
        button("Broken", BROKEN_ACTION, value, style="danger"),
        block_id=f"promise_{promise.id}",
    )


def promise_list(promises: list[Promise], today: date) -> Blocks:
    if not promises:
        return [section(f"You have no promises yet. Record one: {EXAMPLE}")]
    blocks: Blocks = [section("*Your promises* (open first, soonest due first):")]
    for promise in promises:
        blocks.append(section(f"{handle(promise)}\n{status_line(promise, today)}"))
        if promise.status == OPEN:
            blocks.append(promise_buttons(promise))
    return blocks[:50]


def reminder(promise: Promise, today: date) -> Blocks:
    """The day-before reminder (or a snoozed one, some other day before the due date)."""
    return [
        section(
            f":alarm_clock: Due {how_soon(promise.due_on, today)}, *{due(promise.due_on)}*, "
            f"is the day you promised: {handle(promise)}"
        ),
        context(REMINDER_HINT),
        promise_buttons(promise),
    ]


def reminders(promises: list[Promise], today: date) -> Blocks:
    """One DM for all of a rep's promises due at once, each with its own buttons."""
    if len(promises) == 1:
        return reminder(promises[0], today)
    blocks: Blocks = [section(f":alarm_clock: *{len(promises)} of your promises are due soon.*")]
    for promise in promises[:MAX_REMINDED]:
        blocks.extend(_reminded_part(promise, today))
    blocks.append(context(REMINDERS_HINT))
    return blocks


def reminders_after_answer(
    promises: list[Promise], today: date, answered: Promise, note: str
) -> Blocks:
    """A combined reminder once one of its promises was answered: that one's outcome in
    its place, the others still with their buttons."""
    blocks: Blocks = [section(f":alarm_clock: *{len(promises)} of your promises are due soon.*")]
    for promise in promises:
        if promise.id == answered.id:
            blocks.extend(outcome(answered, note))
        elif promise.status == OPEN:
            blocks.extend(_reminded_part(promise, today))
        else:
            blocks.extend(outcome(promise))
    blocks.append(context(REMINDERS_HINT))
    return blocks


def _reminded_part(promise: Promise, today: date) -> Blocks:
    return [
        section(
            f"Due {how_soon(promise.due_on, today)}, *{due(promise.due_on)}*: {handle(promise)}"
        ),
        promise_buttons(promise),
    ]


def promise_ids_in(blocks: Blocks) -> list[int]:
    """The promises a message shows buttons for, in order (their actions' block ids)."""
    found = (PROMISE_BLOCK.fullmatch(str(block.get("block_id", ""))) for block in blocks)
    return [int(match[1]) for match in found if match]


def outcome(promise: Promise, note: str = "") -> Blocks:
    """What replaces a message's buttons once the promise was answered."""
    if promise.status == KEPT:
        line = ":white_check_mark: Marked *kept*. Nice work."
    elif promise.status == BROKEN:
        line = ":x: Marked *broken*. Your manager will see it in their daily nudge."
    else:
        line = f":calendar: Now due *{due(promise.due_on)}*."
    return [section(f"{handle(promise)}\n{line}{(' ' + note) if note else ''}")]


def history(changes: list[DueDateChange]) -> str:
    if not changes:
        return ""
    steps = " → ".join([str(changes[0].old_due_on), *(str(c.new_due_on) for c in changes)])
    return f"Due-date history: {steps}"


def risk_alert(promise: Promise, move: RolloutMove) -> Blocks:
    """The DM to an owner whose promise a rollout slip has put at risk."""
    value = str(promise.id)
    return [
        section(
            f":warning: *{mrkdwn.escape(move.title)}* (`{move.rollout_key}`) moved from "
            f"{due(move.old_ships_on)} to *{due(move.new_ships_on)}* — after your promise is due."
        ),
        section(f"{handle(promise)}\nDue *{due(promise.due_on)}*."),
        actions(
            button("Move my promise", MORE_TIME_ACTION, value, style="primary"),
            button("Mark broken", BROKEN_ACTION, value, style="danger"),
            button("I'll handle it", HANDLING_ACTION, value),
            block_id=f"risk_{promise.id}",
        ),
    ]


def manager_risk_alert(move: RolloutMove, promises: list[Promise]) -> Blocks:
    """One DM per manager listing every promise of their team the move put at risk."""
    blocks: Blocks = [
        section(
            f":warning: *{mrkdwn.escape(move.title)}* (`{move.rollout_key}`) moved from "
            f"{due(move.old_ships_on)} to *{due(move.new_ships_on)}*. "
            + (
                "One of your team's promises is now at risk:"
                if len(promises) == 1
                else f"{len(promises)} of your team's promises are now at risk:"
            )
        )
    ]
    lines = [f"• {mrkdwn.user(p.owner_id)}: {handle(p)} — due {due(p.due_on)}" for p in promises]
    blocks.extend(section(chunk) for chunk in _chunks(lines, 2800)[:45])
    blocks.append(context("Each rep got a DM with buttons to move the promise or mark it broken."))
    return blocks


def _chunks(lines: list[str], limit: int) -> list[str]:
    """Join lines into texts of at most `limit` characters (Slack's section limit is 3,000)."""
    chunks: list[str] = []
    for line in lines:
        line = line[:limit]
        if chunks and len(chunks[-1]) + 1 + len(line) <= limit:
            chunks[-1] += "\n" + line
        else:
            chunks.append(line)
    return chunks


def capture_modal(rollouts: list[Rollout], channel_id: str | None, today: date) -> dict[str, Any]:
    blocks = [
        text_input(
            "what",
            "What did you promise?",
            "SSO support",
            multiline=True,
            max_length=MAX_TEXT_CHARS,
        ),
        text_input("account", "Customer", "Acme Corp", optional=True, max_length=200),
        date_input("due", "Due date", today),
    ]
    if rollouts:
        blocks.append(rollout_select(rollouts))
    return modal(CAPTURE_MODAL, "New promise", blocks, metadata=channel_id or "")


def rollout_select(rollouts: list[Rollout]) -> Block:
    options = {r.key: f"{r.key} — {r.title}" for r in rollouts[:100]}
    select = static_select(options, placeholder="None")
    return input_block("rollout", "Depends on a rollout", select, optional=True)


def rollout_add_form(today: date, metadata: str = "") -> dict[str, Any]:
    """The add-rollout form; `metadata` is the channel to confirm in ("" for a DM)."""
    blocks = [
        text_input(KEY_INPUT, "Key", "sso", max_length=64),
        context(
            "Reps write it in a promise as `needs:<key>`: lower-case letters, digits, `.` `-` `_`."
        ),
        text_input(TITLE_INPUT, "Title", "SSO integration", max_length=MAX_TITLE_CHARS),
        date_input(DATE_INPUT, "Ships on", today),
    ]
    return modal(ROLLOUT_ADD_FORM, "Add a rollout", blocks, submit="Add", metadata=metadata)


def rollout_move_form(
    rollouts: list[Rollout], today: date, metadata: str = "", key: str | None = None
) -> dict[str, Any]:
    """The move-rollout form over the known rollouts (at least one), `key` picked if given."""
    options = {r.key: f"{r.key} — {r.title} ({due(r.ships_on)})" for r in rollouts[:100]}
    blocks = [
        input_block(ROLLOUT_INPUT, "Rollout", static_select(options, initial=key)),
        date_input(DATE_INPUT, "New date", today),
        context("Promises that need it and are due before the new date are flagged at once."),
    ]
    return modal(ROLLOUT_MOVE_FORM, "Move a rollout", blocks, submit="Move", metadata=metadata)


def move_modal(promise: Promise, origin: Origin, initial: date) -> dict[str, Any]:
    return modal(
        MOVE_MODAL,
        "Need more time",
        [
            section(f"{handle(promise)}\nNow due *{due(promise.due_on)}*."),
            date_input("due", "New due date", initial),
        ],
        submit="Move",
        metadata=origin.dump(),
    )


def broken_modal(promise: Promise, origin: Origin) -> dict[str, Any]:
    return modal(
        BROKEN_MODAL,
        "Promise broken",
        [
            section(handle(promise)),
            text_input(
                "why",
                "Why did it break?",
                "The customer moved their go-live",
                multiline=True,
                max_length=MAX_REASON_CHARS,
            ),
        ],
        submit="Mark broken",
        metadata=origin.dump(),
    )
