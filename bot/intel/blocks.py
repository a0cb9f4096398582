"""Block Kit for field intelligence: the competitor view and list, the *Competitor*
button other features put next to a competitor's name, and the messages to the field."""

from __future__ import annotations

import json
from typing import Any

from bot.intel.competitors import CompetitorView
from bot.slack import mrkdwn
from bot.slack.blocks import (
    Block,
    Blocks,
    actions,
    button,
    context,
    header,
    modal,
    moment,
    section,
    text_input,
)
from storage.field_messages import FieldMessage, FieldMessageRecipient, FieldQuestion
from storage.intel import CompetitorSummary, DealTally, Quote

COMPETITOR_ACTION = "intel_competitor"
ACK_ACTION = "field_message_ack"
QUESTION_ACTION = "field_message_question"
QUESTION_CALLBACK = "field_message_question_modal"
QUESTION_BLOCK = "question"
MAX_BUTTONS = 25  # an actions block's limit
LISTED = 40  # competitors in `/fieldnote competitors`, inside a message's 50 blocks
QUOTE_CHARS = 300
NAMED = 50  # reps named per line of a message's status

PERSPECTIVE_HELP = """• `/perspective competitor alias gong gong.io` — count another name reps use for a competitor (admins)
• `/perspective message "<title>" <text>` — DM every rep on a team, who answer *Got it* or ask a question (admins and marketers)
• `/perspective message status` — who acknowledged the latest message and who has not"""


def competitor_button(name: str) -> Block:
    """A *Competitor* button that opens the view of `name` for whoever presses it;
    digests and deal stats put it next to a competitor's name."""
    return button(f"Competitor: {name}"[:75], COMPETITOR_ACTION, name[:100])


def competitor_buttons(names: list[str]) -> Blocks:
    """One actions block with a button per competitor, or nothing when none was named."""
    return [actions(*map(competitor_button, names[:MAX_BUTTONS]))] if names else []


def win_rate_text(deals: DealTally) -> str:
    decided = deals.won + deals.lost
    if decided == 0:
        return "no deals decided"
    return f"won {deals.won} of {decided} ({round(deals.won * 100 / decided)}%)"


def competitor_view(view: CompetitorView) -> Blocks:
    """The competitor view: numbers per window, the customer's words, the reps who hear most."""
    shown, windows, quotes, reps = view.shown, view.windows, view.quotes, view.reps
    name = mrkdwn.escape(shown)
    lines = [
        f"*Last {w.days} days:* {w.notes} note{'s' * (w.notes != 1)} · "
        f"lost {w.deals.lost} to them · won {w.deals.won} against them · {win_rate_text(w.deals)}"
        for w in windows
    ]
    blocks: Blocks = [header(f"Competitor: {shown}"), section("\n".join(lines))]
    if quotes:
        blocks.append(section("*What customers said*\n" + "\n".join(map(_quote, quotes))))
    else:
        blocks.append(context(f"No customer quotes about {name} yet."))
    if reps:
        heard = " · ".join(f"{mrkdwn.user(rep)} {count}" for rep, count in reps)
        blocks.append(context(f"Hear about {name} most (last {windows[-1].days} days): {heard}"))
    return blocks


def _quote(quote: Quote) -> str:
    said = mrkdwn.escape(mrkdwn.excerpt(quote.text, QUOTE_CHARS))
    where = f" · {mrkdwn.escape(quote.account)}" if quote.account else ""
    source = "win/loss answer" if quote.from_answer else "note"
    return (
        f"> {said}\n_{source} from {mrkdwn.user(quote.author_id)}{where}, {moment(quote.said_at)}_"
    )


def competitor_list(found: list[CompetitorSummary], days: int) -> Blocks:
    """`/fieldnote competitors`: most mentioned first, each with its win rate and a button."""
    if not found:
        return [
            section(
                "No competitor mentioned yet. Reps name them with `#competitor:<name>` in a note, "
                "or in a win/loss answer."
            )
        ]
    blocks: Blocks = [section(f"*Competitors the field mentioned* (last {days} days, most first)")]
    for summary in found[:LISTED]:
        line = (
            f"*{mrkdwn.escape(summary.shown)}* — {summary.notes} note"
            f"{'s' * (summary.notes != 1)} · {win_rate_text(summary.deals)}"
        )
        blocks.append(section(line, accessory=competitor_button(summary.shown)))
    if len(found) > LISTED:
        blocks.append(context(f"…and {len(found) - LISTED} more, mentioned less."))
    return blocks


# ---- messages to the field ---------------------------------------------------------------
def _message_body(message: FieldMessage) -> Blocks:
    return [
        header(message.title),
        section(mrkdwn.escape(message.text)),
        context(f"From {mrkdwn.user(message.sender_id)}, for everyone in the field"),
    ]


def _answer_buttons(copy: FieldMessageRecipient) -> Block:
    return actions(
        button("Got it", ACK_ACTION, str(copy.id), style="primary"),
        button("I have a question", QUESTION_ACTION, str(copy.id)),
    )


def field_message(copy: FieldMessageRecipient) -> Blocks:
    """The DM each rep gets."""
    return [*_message_body(copy.message), _answer_buttons(copy)]


def reminder(copy: FieldMessageRecipient) -> Blocks:
    return [
        section(":wave: A reminder: marketing would like to know this reached you."),
        *field_message(copy),
    ]


def acknowledged(copy: FieldMessageRecipient) -> Blocks:
    """The DM once the rep pressed *Got it*: no buttons left to press."""
    return [*_message_body(copy.message), context(":white_check_mark: You acknowledged this.")]


def question_modal(copy: FieldMessageRecipient) -> dict[str, Any]:
    blocks: Blocks = [
        context(
            f"About *{mrkdwn.escape(copy.message.title)}*, from {mrkdwn.user(copy.message.sender_id)}"
        ),
        text_input(
            QUESTION_BLOCK,
            "Your question",
            "What would you like to know?",
            multiline=True,
            max_length=2000,
        ),
    ]
    metadata = json.dumps({"recipient": copy.id})
    return modal(QUESTION_CALLBACK, "Ask about it", blocks, submit="Send", metadata=metadata)


def question_for_sender(question: FieldQuestion) -> Blocks:
    copy = question.recipient
    said = mrkdwn.escape(question.text)
    return [
        section(
            f":raising_hand: {mrkdwn.user(copy.rep_id)} has a question about "
            f"*{mrkdwn.escape(copy.message.title)}*:\n> {said}"
        ),
        context("Answer here: this conversation is between the two of you and me."),
    ]


def status(message: FieldMessage, copies: list[FieldMessageRecipient]) -> Blocks:
    """Who acknowledged the latest message, who asked, and who has not answered yet."""
    acked = [c.rep_id for c in copies if c.acknowledged_at is not None]
    asked = [c.rep_id for c in copies if c.asked_at is not None and c.acknowledged_at is None]
    waiting = [c.rep_id for c in copies if not c.answered]
    return [
        section(
            f"*{mrkdwn.escape(message.title)}* — sent {moment(message.sent_at)} to "
            f"{len(copies)} rep{'s' * (len(copies) != 1)}; {len(acked)} acknowledged"
        ),
        section(
            f"*Got it:* {_people(acked)}\n*Asked a question:* {_people(asked)}\n"
            f"*Not yet:* {_people(waiting)}"
        ),
    ]


def _people(user_ids: list[str]) -> str:
    """Mentions, at most `NAMED` of them, so three lists fit one section's 3,000 characters."""
    named = ", ".join(map(mrkdwn.user, user_ids[:NAMED])) or "nobody"
    more = len(user_ids) - NAMED
    return named + (f" and {more} more" if more > 0 else "")
