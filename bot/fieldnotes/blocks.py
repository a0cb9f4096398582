"""Block Kit for field notes: pure functions from notes to Slack JSON."""

from __future__ import annotations

from typing import Any

from bot.fieldnotes.rules import EXAMPLE, MAX_NOTE_CHARS, FormOrigin
from bot.slack import mrkdwn
from bot.slack.blocks import (
    Block,
    Blocks,
    button,
    context,
    input_block,
    modal,
    moment,
    section,
    static_select,
    text_input,
)
from storage.deals import Deal
from storage.fieldnotes import FieldNote, NewNote, SearchPage

MODAL_CALLBACK = "fieldnote_modal"
DELETE_ACTION = "fieldnote_delete"
NEW_NOTE_ACTION = "home_new_note"  # the New field note button (Home tab, welcome)
NEW_NOTE_SHORTCUT = "new_note"  # the global shortcut (manifest.yml)
SAVE_MESSAGE_SHORTCUT = "save_as_note"  # the message shortcut (manifest.yml)
SAVE_OFFERED_ACTION = "fieldnote_save_offered"  # under a DM offered back as a note

HELP = f"""*Field notes* — capture what a customer actually said, so marketing hears it.
• `/fieldnote <what they said>` — save a note. `[Account]` anywhere sets the account, `#tag` adds tags.
   e.g. {EXAMPLE}
• `/fieldnote` — open a form instead (or *New field note* in the ⚡ shortcuts menu and on my Home tab)
• *Save as field note* in a message's ⋯ menu — a customer's words already in Slack become a note, linked to the message
• Write to me in my Messages tab — I offer what you wrote back as a note
• `/fieldnote search <words>` — find notes by account, text or tag (newest first)
• `/fieldnote mine` — your latest notes
• `/fieldnote delete <number>` — delete one of your notes
• `/fieldnote competitor <name>` — what the field said about a competitor (30 and 90 days): notes, deals won and lost, customer quotes, who hears most
• `/fieldnote competitors` — every competitor the field mentioned, most mentioned first, with our win rate
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
        context(f"> {mrkdwn.escape(mrkdwn.excerpt(note.text, 280))}{source(note)}"),
    ]


def source(note: FieldNote) -> str:
    """` — said by @x in <link|a message>` for a note saved from a Slack message."""
    parts = []
    if note.said_by:
        parts.append(f"said by {mrkdwn.user(note.said_by)}")
    if note.permalink:
        parts.append(f"in <{note.permalink}|this message>")
    return " — " + " ".join(parts) if parts else ""


def new_note_button() -> Block:
    return button("New field note", NEW_NOTE_ACTION, "new", style="primary")


def offer(draft: NewNote, text: str) -> Blocks:
    """A DM to the bot, offered back as the note it would make, with one button to save it."""
    account = f" for *{mrkdwn.escape(draft.account)}*" if draft.account else ""
    tags = " ".join(f"`#{mrkdwn.escape(t)}`" for t in draft.tags)
    save = button("Save as field note", SAVE_OFFERED_ACTION, text, style="primary")
    return [
        section(f"Save this as a field note{account}? {tags}".rstrip(), accessory=save),
        context(f"> {mrkdwn.escape(mrkdwn.excerpt(draft.text, 280))}"),
        context("Type `help` for what I can do."),
    ]


def note_list(title: str, page: SearchPage, empty: str) -> Blocks:
    if not page.notes:
        return [section(empty)]
    blocks: Blocks = [section(title)]
    for note in page.notes:
        when = moment(note.created_at)
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


def capture_modal(
    origin: FormOrigin, recent_deals: list[Deal], text: str | None = None
) -> dict[str, Any]:
    """The note form; `text` prefills the note (a message saved with the shortcut)."""
    blocks = [
        text_input("account", "Account", "Acme Corp", optional=True, max_length=200),
        text_input(
            "note",
            "What did the customer say?",
            "CFO says per-seat pricing kills it vs Gong",
            multiline=True,
            max_length=MAX_NOTE_CHARS,
            initial=text[:MAX_NOTE_CHARS] if text else None,
        ),
        text_input("tags", "Tags", "pricing, competitor:gong", optional=True),
    ]
    if recent_deals:
        options = {str(d.id): _deal_label(d) for d in recent_deals}
        select = static_select(options, placeholder="Pick one of your deals")
        blocks.append(input_block("deal", "Related deal", select, optional=True))
    return modal(MODAL_CALLBACK, "New field note", blocks, metadata=origin.dump())


def _deal_label(deal: Deal) -> str:
    """Plain text (option labels are not mrkdwn), so user text needs no escaping here."""
    return f"{deal.name} · {deal.account}" if deal.account else deal.name
