"""Block Kit for closed deals: the prompt DM, its reminders, the reason modal, summaries."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from bot.slack import mrkdwn
from bot.slack.blocks import (
    Block,
    Blocks,
    actions,
    button,
    context,
    input_block,
    modal,
    moment,
    plain,
    section,
    static_select,
    text_input,
    users_select,
)
from storage.deals import LOST, Deal, DealClosure

REASON_ACTION = "winloss_reason"  # action ids are "winloss_reason:<reason>"
REMIND_ACTION = "winloss_remind"
MODAL_CALLBACK = "winloss_modal"
ASSIGN_FORM = "deal_assign_form"
OWNER_INPUT = "owner"
REASON_BLOCK = "winloss_reason"
MAX_SAID_CHARS = 3000
MAX_COMPETITOR_CHARS = 200

LOST_REASONS = {
    "price": "Price",
    "missing_feature": "Missing feature",
    "competitor": "Competitor",
    "timing_budget": "Timing/budget",
    "no_decision": "No decision",
    "relationship": "Relationship",
    "other": "Other",
}
WON_REASONS = {
    "product_fit": "Product fit",
    "price_value": "Price/value",
    "relationship": "Relationship",
    "speed": "Speed",
    "competitor_weakness": "Competitor weakness",
    "other": "Other",
}
COMPETITOR_REASONS = frozenset({"competitor", "competitor_weakness"})
CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}


def reasons_for(outcome: str) -> dict[str, str]:
    return LOST_REASONS if outcome == LOST else WON_REASONS


def reason_label(reason: str) -> str:
    return LOST_REASONS.get(reason) or WON_REASONS.get(reason) or reason


def money(amount: Decimal | None, currency: str | None) -> str | None:
    """`$48,000`, `€1,250.50`, `9,000 CHF`; None when the CRM sent no amount."""
    if amount is None:
        return None
    text = f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"
    symbol = CURRENCY_SYMBOLS.get(currency or "USD")
    return f"{symbol}{text}" if symbol else f"{text} {currency}"


def deal_title(deal: Deal) -> str:
    """`*Acme renewal* ($48,000)` — how a deal is named in every message."""
    amount = money(deal.amount, deal.currency)
    return f"*{mrkdwn.escape(deal.name)}*" + (f" ({amount})" if amount else "")


def assign_form(deal: Deal, metadata: str) -> dict[str, Any]:
    """Pick the owner of a deal whose CRM owner Slack doesn't know; `metadata` carries the
    deal and where to confirm."""
    unknown = mrkdwn.escape(deal.owner_email or "unknown")
    blocks = [
        section(
            f"*#{deal.id}* {deal_title(deal)} closed {deal.outcome}; its owner `{unknown}` isn't in Slack."
        ),
        input_block(OWNER_INPUT, "Owner", users_select(placeholder="Who owns this deal?")),
        context(f"They are asked in a DM why it was {deal.outcome}."),
    ]
    return modal(ASSIGN_FORM, "Assign a deal", blocks, submit="Assign", metadata=metadata)


def question(closure: DealClosure) -> str:
    return f"{deal_title(closure.deal)} closed {closure.outcome}. What was the real reason?"


def _details(closure: DealClosure) -> str:
    parts = []
    if closure.deal.account:
        parts.append(f"Account: {mrkdwn.escape(closure.deal.account)}")
    parts.append(f"closed {moment(closure.closed_at)}")
    return " · ".join(parts)


def reason_buttons(closure: DealClosure, *, block_id: str | None = None) -> Block:
    return actions(
        *(
            button(label, f"{REASON_ACTION}:{reason}", str(closure.id))
            for reason, label in reasons_for(closure.outcome).items()
        ),
        block_id=block_id,
    )


# What makes an answer worth having, for each outcome.
ADVICE = {
    LOST: "Ask the customer if you can: reps' guesses skew to price.",
    "won": "What tipped it for the customer? Their words beat the pitch deck's.",
}


def prompt(closure: DealClosure) -> Blocks:
    """The DM a rep gets when their deal closes."""
    return [
        section(f":handshake: {question(closure)}"),
        context(_details(closure) + " · " + ADVICE[closure.outcome]),
        reason_buttons(closure, block_id="winloss_reasons"),
    ]


def reminder(closure: DealClosure, step: int) -> str:
    ask = f"what was the real reason {deal_title(closure.deal)} was {closure.outcome}?"
    if step == 1:
        return f":wave: A friendly reminder: {ask} Pick a reason above; it takes a minute."
    return (
        f":hourglass: Last reminder: {ask} Pick a reason above. If it stays open, "
        "your manager will see it in their daily summary."
    )


def answered(closure: DealClosure) -> Blocks:
    """What the prompt DM turns into once answered: the summary, no buttons left."""
    answer = closure.answer
    assert answer is not None
    line = f":white_check_mark: {deal_title(closure.deal)} closed {closure.outcome}: *{reason_label(answer.reason)}*"
    if answer.competitor:
        line += f" (competitor: {mrkdwn.escape(answer.competitor)})"
    said = mrkdwn.escape(mrkdwn.excerpt(answer.customer_said, 500))
    evidence = (
        "you talked to the customer" if answer.talked_to_customer else "not from the customer"
    )
    return [
        section(f"{line}\n> {said}"),
        context(f"Thanks for the real reason — {evidence}. Marketing will hear it."),
    ]


def superseded(closure: DealClosure, outcome: str) -> Blocks:
    """An old prompt after the CRM changed the outcome: no buttons, nothing to answer here."""
    return [
        section(
            f"{deal_title(closure.deal)} was first recorded as {closure.outcome} and is now "
            f"{outcome}; nothing to answer here."
        )
    ]


def remind_button(closure: DealClosure) -> Block:
    return button("Remind them", REMIND_ACTION, str(closure.id))


def manager_reminder(closure: DealClosure, manager_id: str) -> str:
    return (
        f":speech_balloon: {mrkdwn.user(manager_id)} is asking too: what was the real reason "
        f"{deal_title(closure.deal)} was {closure.outcome}? Pick a reason above."
    )


def team_waiting(closures: list[DealClosure], more: int) -> Blocks:
    """A manager's list of escalated prompts, each with a Remind button."""
    blocks: Blocks = [section("*Win/loss reasons your reps still owe*")]
    for closure in closures:
        blocks.append(
            section(
                f"{mrkdwn.user(closure.owner_id or '')} · {deal_title(closure.deal)} "
                f"closed {closure.outcome} {moment(closure.closed_at)}",
                accessory=remind_button(closure),
            )
        )
    if more > 0:
        blocks.append(context(f"…and {more} more."))
    return blocks


def my_waiting(closures: list[DealClosure], more: int) -> Blocks:
    """App Home: the rep's own open prompts with their reason buttons."""
    blocks: Blocks = [section("*Win/loss questions waiting for you*")]
    for closure in closures:
        blocks.append(section(question(closure)))
        blocks.append(reason_buttons(closure, block_id=f"winloss_reasons:{closure.id}"))
    if more > 0:
        blocks.append(context(f"…and {more} more — answer these first."))
    return blocks


def reason_modal(closure: DealClosure, reason: str, *, from_home: bool) -> dict[str, Any]:
    """The modal a reason button opens; the competitor field appears for competitor reasons."""
    title = "Why it was lost" if closure.outcome == LOST else "Why it was won"
    blocks: Blocks = [
        context(f"{question(closure)}\n{_details(closure)}"),
        {
            "type": "input",
            "block_id": REASON_BLOCK,
            "dispatch_action": True,
            "label": plain("Reason"),
            "element": static_select(reasons_for(closure.outcome), reason),
        },
    ]
    if reason in COMPETITOR_REASONS:
        blocks.append(
            text_input(
                "competitor", "Which competitor?", "e.g. Gong", max_length=MAX_COMPETITOR_CHARS
            )
        )
    blocks += [
        text_input(
            "customer_said",
            "What did the customer say?",
            "Their words, as close as you remember them",
            multiline=True,
            max_length=MAX_SAID_CHARS,
        ),
        {
            "type": "input",
            "block_id": "talked",
            "optional": True,
            "label": plain("Evidence"),
            "element": {
                "type": "checkboxes",
                "action_id": "value",
                "options": [{"text": plain("I talked to the customer about it"), "value": "yes"}],
            },
        },
        text_input(
            "marketing_note",
            "Note for marketing",
            "Anything marketing should do differently",
            optional=True,
            multiline=True,
            max_length=MAX_SAID_CHARS,
        ),
    ]
    metadata = json.dumps({"closure": closure.id, "home": from_home})
    return modal(MODAL_CALLBACK, title, blocks, submit="Send", metadata=metadata)
