"""Block Kit for digests: pure functions from digest content to Slack messages.

Slack takes at most 50 blocks per message and 3,000 characters per section.
Long text is packed into several sections (`text_sections`); a digest with
more than 50 blocks becomes a summary in the channel plus thread replies of at
most 50 blocks each (`messages`). Every piece of user text is escaped here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.intel.blocks import competitor_button, competitor_buttons
from bot.slack import mrkdwn
from bot.slack.blocks import (
    Block,
    Blocks,
    actions,
    button,
    checkboxes,
    context,
    conversations_select,
    day,
    divider,
    header,
    input_block,
    modal,
    radio_buttons,
    section,
    static_select,
    text_input,
    timepicker,
)
from storage.digest_notes import DigestNote, TagCount
from storage.digests import DigestSubscription, RenderedMessage

MAX_BLOCKS = 50
MAX_SECTION_CHARS = 3000
NOTE_EXCERPT_CHARS = 300
ACCOUNT_CHARS = 80
ASK_REP_ACTION = "digest_ask_rep"
USED_IT_ACTION = "digest_used_it"
USED_MODAL = "digest_used_modal"
NOTE_BLOCK = "digest_note:"
USED_MARK = " · :white_check_mark: _used_"
COMPETITOR_TAG = "competitor:"
FORM_CALLBACK = "digest_form"
FORM_CHANNEL = "channel"
FORM_CADENCE = "cadence"
FORM_TIME = "post_at"
FORM_ZONE = "timezone"
FORM_TAGS = "tags"
FORM_SECTIONS = "sections"
FORM_OPTIONS = "options"
CADENCE_LABELS = {"daily": "Daily", "weekly": "Weekly, on Mondays (with a chart)"}
SECTION_LABELS = {
    "notes": "Field notes",
    "deals": "Closed deals: amounts and reasons",
    "promises": "Promises kept, broken and at risk",
}
OPTION_LABELS = {
    "chart": "Add the weekly chart to a daily digest",
    "always": "Post even when nothing is new",
}
# The zones most teams are in; the admin's own zone is added first when it is not one of them.
COMMON_ZONES = (
    "UTC", "Europe/London", "Europe/Dublin", "Europe/Lisbon", "Europe/Paris", "Europe/Berlin",
    "Europe/Madrid", "Europe/Rome", "Europe/Amsterdam", "Europe/Stockholm", "Europe/Warsaw",
    "Europe/Helsinki", "Europe/Athens", "Europe/Istanbul", "Africa/Lagos", "Africa/Johannesburg",
    "Asia/Dubai", "Asia/Kolkata", "Asia/Singapore", "Asia/Shanghai", "Asia/Tokyo",
    "Australia/Sydney", "Pacific/Auckland", "America/Sao_Paulo", "America/New_York",
    "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Anchorage",
    "Pacific/Honolulu",
)  # fmt: skip


@dataclass(frozen=True)
class SectionContent:
    """What one digest section contributes (see `bot.digests.sections`)."""

    count: int  # new records in the period; a section with 0 adds no blocks
    summary: str  # e.g. "12 new field notes", for the digest's header line
    blocks: Blocks  # for the channel post, each within Slack's limits (`text_sections`)
    thread: Blocks = field(default_factory=list)  # what only the digest's thread carries


# ---- field notes ----------------------------------------------------------------------------


def top_notes(counts: Sequence[TagCount], notes: Sequence[DigestNote], limit: int) -> Blocks:
    """For the channel: every note when there are at most `limit`, else the count of every
    group and the newest note of the largest ones (the thread then carries them all)."""
    total = sum(group.count for group in counts)
    blocks: Blocks = [section(f":memo: *Field notes* · {total:,} new")]
    if total <= limit:
        return blocks + all_notes(counts, notes)
    newest: dict[str | None, DigestNote] = {}
    for note in notes:
        if note.tag not in newest or note.id > newest[note.tag].id:
            newest[note.tag] = note
    listing = ", ".join(f"{_tag_label(g.tag)} ({g.count:,})" for g in counts)
    blocks.extend(text_sections([f"*By tag:* {listing}"]))
    blocks.extend(competitor_buttons([name for g in counts if (name := _competitor(g.tag))]))
    for note in [newest[g.tag] for g in counts if g.tag in newest][:limit]:
        blocks.extend([note_block(note), note_actions(note.id)])
    blocks.append(context(f":thread: All {_notes(total)} are in the thread, by tag."))
    return blocks


def all_notes(counts: Sequence[TagCount], notes: Sequence[DigestNote]) -> Blocks:
    """For the thread: every note of the period, grouped largest group first, with buttons."""
    by_tag: dict[str | None, list[DigestNote]] = {}
    for note in notes:
        by_tag.setdefault(note.tag, []).append(note)
    blocks: Blocks = []
    for group in counts:
        name = _competitor(group.tag)
        button_for = competitor_button(name) if name else None
        blocks.append(section(f"*{_tag_label(group.tag)}* · {_notes(group.count)}", button_for))
        for note in by_tag.get(group.tag, []):
            blocks.extend([note_block(note), note_actions(note.id)])
    return blocks


def _competitor(tag: str | None) -> str | None:
    """`competitor:gong` → `gong`: the competitor a tag names, for its *Competitor* button."""
    if tag is None or not tag.startswith(COMPETITOR_TAG):
        return None
    return tag.removeprefix(COMPETITOR_TAG) or None


def note_block(note: DigestNote) -> Block:
    account = (
        f"*{mrkdwn.escape(mrkdwn.excerpt(note.account, ACCOUNT_CHARS))}*"
        if note.account
        else "_no account_"
    )
    used = USED_MARK if note.used else ""
    quote = mrkdwn.escape(mrkdwn.excerpt(note.text, NOTE_EXCERPT_CHARS))
    block = section(f"{account} · {mrkdwn.user(note.author_id)} · note #{note.id}{used}\n> {quote}")
    block["block_id"] = f"{NOTE_BLOCK}{note.id}"
    return block


def note_actions(note_id: int) -> Block:
    return actions(
        button("Ask rep", ASK_REP_ACTION, str(note_id)),
        button("Used it", USED_IT_ACTION, str(note_id), style="primary"),
        block_id=f"digest_note_actions:{note_id}",
    )


def with_used_mark(blocks: Blocks, note_id: int) -> Blocks:
    """The same message with note `note_id` marked used (once)."""
    marked = json.loads(json.dumps(blocks))
    for block in marked:
        if block.get("block_id") != f"{NOTE_BLOCK}{note_id}":
            continue
        first, _, quote = block["text"]["text"].partition("\n")
        if USED_MARK not in first:
            block["text"]["text"] = f"{first}{USED_MARK}\n{quote}"
    return marked


def _tag_label(tag: str | None) -> str:
    return f"#{mrkdwn.escape(tag)}" if tag else "No tag"


def _notes(count: int) -> str:
    return f"{count:,} note{'s' if count != 1 else ''}"


# ---- the whole digest -----------------------------------------------------------------------


def text_sections(lines: Iterable[str]) -> Blocks:
    """Lines of (escaped) mrkdwn packed into as few sections as fit Slack's 3,000 characters."""
    blocks: Blocks = []
    current = ""
    for line in lines:
        line = line[:MAX_SECTION_CHARS]
        if current and len(current) + 1 + len(line) > MAX_SECTION_CHARS:
            blocks.append(section(current))
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        blocks.append(section(current))
    return blocks


def digest_messages(
    subscription: DigestSubscription,
    start: datetime,
    end: datetime,
    parts: Sequence[SectionContent],
    lead: Sequence[Block] = (),
) -> list[RenderedMessage]:
    """The channel post, then the thread: every section's thread blocks, in parts of 50.

    `lead` (rising themes, the month's recognition) opens the post. When the post
    would pass 50 blocks, it keeps one line per section and its blocks move to the thread.
    """
    title = f"{subscription.cadence.capitalize()} digest"
    counts = " · ".join(part.summary for part in parts if part.count) or "nothing new"
    head = [
        header(f"{title} · {_local_day(end, subscription.timezone)}"),
        context(f"{_period(subscription, start, end)} · {counts}"),
        *lead,
    ]
    fallback = f"{title}: {counts}"
    body: Blocks = []
    for part in parts:
        if part.count:
            body.extend([divider(), *part.blocks])
    if not body and not lead:
        body = [section("Nothing new since the last digest.")]
    thread = [block for part in parts if part.count for block in part.thread]
    if len(head) + len(body) > MAX_BLOCKS:
        thread = body + thread
        body = [*text_sections(f"• {part.summary}" for part in parts if part.count)]
    chunks = _chunks(thread, MAX_BLOCKS) if thread else []
    post = head + body
    if chunks and len(post) < MAX_BLOCKS:
        post.append(
            context(f":thread: The full digest continues in the thread ({_replies(chunks)}).")
        )
    return [RenderedMessage(fallback, post)] + [
        RenderedMessage(f"{title} (part {i} of {len(chunks)})", chunk)
        for i, chunk in enumerate(chunks, start=1)
    ]


def chart_pointer(has_chart: bool) -> Blocks:
    """Where the weekly chart is, for a digest that carries one."""
    if not has_chart:
        return []
    return [
        context(":bar_chart: Loss reasons and top tags over 12 weeks: the chart is in the thread.")
    ]


def _replies(chunks: list[Blocks]) -> str:
    return f"{len(chunks)} repl{'ies' if len(chunks) != 1 else 'y'}"


def _chunks(blocks: Blocks, size: int) -> list[Blocks]:
    """Runs of at most `size` blocks; a note never ends up apart from its buttons."""
    chunks: list[Blocks] = []
    current: Blocks = []
    for block in blocks:
        if len(current) == size:
            carried = [current.pop()] if block.get("type") == "actions" else []
            chunks.append(current)
            current = carried
        current.append(block)
    if current:
        chunks.append(current)
    return chunks


def _period(subscription: DigestSubscription, start: datetime, end: datetime) -> str:
    zone = subscription.timezone
    return f"{_local_time(start, zone)} → {_local_time(end, zone)} ({mrkdwn.escape(zone)})"


def _local_day(when: datetime, zone: str) -> str:
    return day(when.astimezone(ZoneInfo(zone)).date())


def _local_time(when: datetime, zone: str, joiner: str = " ") -> str:
    """A digest's own instants in its zone (the period it covers, when it posts next)."""
    local = when.astimezone(ZoneInfo(zone))
    return f"{day(local.date())}{joiner}{local:%H:%M}"


# ---- the buttons ----------------------------------------------------------------------------


def used_modal(note_id: int, channel_id: str, message_ts: str) -> dict[str, Any]:
    metadata = json.dumps({"note": note_id, "channel": channel_id, "ts": message_ts})
    return modal(
        USED_MODAL,
        "Used this note",
        [
            section(f"Tell the rep where note #{note_id} helped — they'll get your words."),
            text_input(
                "where",
                "Where did you use it?",
                "Pricing page rewrite, Q1 launch deck, battlecard vs Gong…",
                multiline=True,
                max_length=1000,
            ),
        ],
        submit="Tell the rep",
        metadata=metadata,
    )


def note_quote(note_id: int, account: str | None, text: str) -> str:
    about = f" about *{mrkdwn.escape(account)}*" if account else ""
    return f"note #{note_id}{about}:\n> {mrkdwn.escape(mrkdwn.excerpt(text, 1000))}"


def ask_rep_message(marketer: str, rep: str, quote: str) -> str:
    return (
        f"{mrkdwn.user(marketer)} has a question for {mrkdwn.user(rep)} from the digest, "
        f"on {quote}\nReply here to talk it through."
    )


def thanks_message(marketer: str, quote: str, where: str) -> str:
    return (
        f":tada: {mrkdwn.user(marketer)} used your {quote}\n"
        f"*Where:* {mrkdwn.escape(where)}\nThanks for capturing what the customer said!"
    )


# ---- subscription replies -------------------------------------------------------------------


def subscription_line(subscription: DigestSubscription, next_post: datetime) -> str:
    tags = " ".join(f"`#{mrkdwn.escape(t)}`" for t in subscription.tag_filter) or "every tag"
    empty = ", also when nothing is new" if subscription.post_when_empty else ""
    sections = ", ".join(subscription.section_names) or "notes, deals, promises"
    chart = ", with the weekly chart" if subscription.chart else ""
    return (
        f"*#{subscription.id}* <#{subscription.channel_id}>, {subscription.cadence} at "
        f"{subscription.post_at} {subscription.timezone}, {tags}, {sections}{chart}{empty} — next "
        f"{_local_time(next_post, subscription.timezone, ' at ')}"
    )


def delivery_text(subscription: DigestSubscription, status: str, error: str | None) -> str:
    where = f"<#{subscription.channel_id}>"
    if status == "posted":
        return f":white_check_mark: Digest #{subscription.id} posted in {where}."
    if status == "failed":
        return (
            f":warning: Slack refused digest #{subscription.id} for {where} ({error}); "
            "it will be retried automatically."
        )
    if status == "empty":
        return (
            f"Nothing new for digest #{subscription.id} in {where} since the last one, so "
            "nothing was posted (a digest added with `always` posts even then)."
        )
    return f"Digest #{subscription.id} for {where} is being posted by another process right now."


# ---- the digest form ------------------------------------------------------------------------


def digest_form(admin_zone: str, metadata: str = "") -> dict[str, Any]:
    """The digest form, its time zone starting on the admin's own; `metadata` is the
    channel to confirm in ("" for a DM)."""
    zones = list(dict.fromkeys([admin_zone, *COMMON_ZONES]))
    blocks = [
        section("Pick the channel marketing reads and when the digest posts there."),
        input_block(FORM_CHANNEL, "Channel", conversations_select("Where the digest goes")),
        input_block(FORM_CADENCE, "How often", radio_buttons(CADENCE_LABELS, "daily")),
        input_block(FORM_TIME, "Posts at", timepicker("09:00")),
        input_block(
            FORM_ZONE,
            "Time zone",
            static_select({z: z.replace("_", " ") for z in zones}, admin_zone),
        ),
        text_input(
            FORM_TAGS,
            "Only notes with these tags",
            "#pricing #security (empty: every tag)",
            optional=True,
            max_length=500,
        ),
        input_block(FORM_SECTIONS, "Sections", checkboxes(SECTION_LABELS, list(SECTION_LABELS))),
        input_block(FORM_OPTIONS, "Options", checkboxes(OPTION_LABELS), optional=True),
        context("The digest covers what is recorded from now on."),
    ]
    return modal(FORM_CALLBACK, "Add a digest", blocks, metadata=metadata)
