"""Block Kit for field notes: pure functions from notes to Slack JSON."""

from __future__ import annotations

from typing import Any

from bot.fieldnotes.rules import EXAMPLE, MAX_NOTE_CHARS
from bot.slack import mrkdwn
from bot.slack.blocks import (
    Blocks,
    button,
    context,
    input_block,
    modal,
    section,
    slack_date,
    static_select,
    text_input,
)
from storage.deals import Deal
from storage.fieldnotes import FieldNote, SearchPage

MODAL_CALLBACK = "fieldnote_modal"
DELETE_ACTION = "fieldnote_delete"

HELP = f"""*Field notes* — capture what a customer actually said, so marketing hears it.
• `/fieldnote <what they said>` — save a note. `[Account]` anywhere sets the account, `#tag` adds tags.
   e.g. {EXAMPLE}
• `/fieldnote` — open a form instead
• `/fieldnote search <words>` — find notes by account, text or tag (newest first)
• `/fieldnote mine` — your latest notes
• `/fieldnote delete <number>` — delete one of your notes
• `/fieldnote settings recognition off|on` — keep your name out of the monthly “Notes that mattered” (your notes still count)
• `/fieldnote help` — this help"""


def describe(note: FieldNote) -> str:
    """`#12 · Acme Corp · #pricing #competitor:gong` — the note's handle as reps see it."""
    parts = [f"#{note.id}"]
    if note.account:
        parts.append(f"*{mrkdwn.escape(note.account)}*")
    if note.tag_names:
        parts.append(" ".join(f"`#{mrkdwn.escape(tag)}`" for tag in note.tag_names))
    return " · ".join(parts)


def saved(note: FieldNote) -> Blocks:
    account = f" for *{mrkdwn.escape(note.account)}*" if note.account else " (no account)"
    tags = (
        " tagged " + ", ".join(f"`#{mrkdwn.escape(t)}`" for t in note.tag_names)
        if note.tag_names
        else " (no tags)"
    )
    delete = button(
        "Delete",
        DELETE_ACTION,
        str(note.id),
        style="danger",
        confirm=("Delete this note?", f"Note #{note.id} will be gone for good.", "Delete"),
    )
    return [
        section(f":memo: Saved note *#{note.id}*{account}{tags}.", accessory=delete),
        context(f"> {mrkdwn.escape(mrkdwn.excerpt(note.text, 280))}"),
    ]


def note_list(title: str, page: SearchPage, empty: str) -> Blocks:
    if not page.notes:
        return [section(empty)]
    blocks: Blocks = [section(title)]
    for note in page.notes:
        when = slack_date(int(note.created_at.timestamp()), f"{note.created_at:%Y-%m-%d}")
        blocks.append(
            section(
                f"{describe(note)}\n{mrkdwn.escape(mrkdwn.excerpt(note.text, 500))}\n"
                f"_{mrkdwn.user(note.author_id)}, {when}_"
            )
        )
    more = page.total - len(page.notes)
    if more > 0:
        blocks.append(context(f"{more} more — add words to narrow the search."))
    return blocks


def capture_modal(channel_id: str | None, recent_deals: list[Deal]) -> dict[str, Any]:
    blocks = [
        text_input("account", "Account", "Acme Corp", optional=True, max_length=200),
        text_input(
            "note",
            "What did the customer say?",
            "CFO says per-seat pricing kills it vs Gong",
            multiline=True,
            max_length=MAX_NOTE_CHARS,
        ),
        text_input("tags", "Tags", "pricing, competitor:gong", optional=True),
    ]
    if recent_deals:
        options = {str(d.id): _deal_label(d) for d in recent_deals}
        select = static_select(options, placeholder="Pick one of your deals")
        blocks.append(input_block("deal", "Related deal", select, optional=True))
    return modal(MODAL_CALLBACK, "New field note", blocks, metadata=channel_id or "")


def _deal_label(deal: Deal) -> str:
    """Plain text (option labels are not mrkdwn), so user text needs no escaping here."""
    return f"{deal.name} · {deal.account}" if deal.account else deal.name
