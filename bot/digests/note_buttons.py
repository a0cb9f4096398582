"""The two buttons under each note of a digest: *Ask rep* and *Used it*.

Both close the loop back to the rep who captured the note: a question from
marketing, or thanks for a note that went into a page, a deck or a launch.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError

from bot.delivery import slack_error
from bot.digests import blocks as render
from bot.refusals import Refusal
from bot.services import Services
from storage import digests, fieldnotes, note_uses

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AskedRep:
    channel_id: str
    rep_id: str
    in_thread: bool


def ask_rep(
    services: Services, team_id: str, marketer: str, note_id: int, channel_id: str, message_ts: str
) -> AskedRep | Refusal:
    """A group DM with the marketer and the rep, the note quoted; a thread if that can't open."""
    note = fieldnotes.get_note(services.db, team_id, note_id)
    if note is None:
        return Refusal(f"Note #{note_id} has been deleted, so there is no one to ask about it.")
    if note.author_id == marketer:
        return Refusal(f"Note #{note_id} is your own note.")
    note_uses.record_question(services.db, team_id, note_id, marketer, services.clock())
    quote = render.note_quote(note.id, note.account, note.text)
    text = render.ask_rep_message(marketer, note.author_id, quote)
    try:
        opened = services.client.conversations_open(users=f"{marketer},{note.author_id}")
        conversation = opened["channel"]["id"]
        services.client.chat_postMessage(channel=conversation, text=text)
        return AskedRep(conversation, note.author_id, in_thread=False)
    except SlackApiError as error:
        log.info("group DM failed (%s); asking in the digest thread", slack_error(error))
    services.client.chat_postMessage(channel=channel_id, thread_ts=message_ts, text=text)
    return AskedRep(channel_id, note.author_id, in_thread=True)


def mark_used(
    services: Services,
    team_id: str,
    marketer: str,
    note_id: int,
    where: str,
    message: tuple[str, str] | None,
) -> Refusal | None:
    """Store the use, thank the rep in a DM with the marketer's words, mark the digest."""
    note = fieldnotes.get_note(services.db, team_id, note_id)
    if note is None:
        return Refusal(f"Note #{note_id} has been deleted meanwhile.")
    note_uses.record_use(services.db, team_id, note_id, marketer, where, services.clock())
    quote = render.note_quote(note.id, note.account, note.text)
    services.client.chat_postMessage(
        channel=note.author_id, text=render.thanks_message(marketer, quote, where)
    )
    if message is not None:
        _mark_digest_message(services, team_id, note_id, *message)
    return None


def _mark_digest_message(
    services: Services, team_id: str, note_id: int, channel_id: str, ts: str
) -> None:
    stored = digests.message_at(services.db, team_id, channel_id, ts)
    if stored is None:
        return
    blocks = render.with_used_mark(stored.blocks, note_id)
    services.client.chat_update(channel=channel_id, ts=ts, blocks=blocks, text=stored.text)
    digests.replace_blocks(services.db, stored.id, blocks)
