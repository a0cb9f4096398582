"""Recognition: the first digest of each month opens with the notes marketing used most.

Reps keep score; seeing their words used, and being thanked by name in the
channel marketing reads, is what keeps notes coming. "First digest of the
month" is the digest whose period crosses into a new month in the
subscription's own zone; it recognises the calendar month before. A rep who
said `/fieldnote settings recognition off` is not named, but their notes still
count and are still shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.digests.blocks import ACCOUNT_CHARS, text_sections
from bot.services import Services
from bot.slack import mrkdwn
from bot.slack.blocks import Blocks
from storage import digest_recognition
from storage.db import Database
from storage.digest_recognition import UsedNote
from storage.digests import DigestSubscription

TOP_NOTES = 5
QUOTE_CHARS = 200


@dataclass(frozen=True)
class Month:
    name: str  # "November"
    start: datetime  # UTC instants of the month's first moment and the next month's
    end: datetime


def month_to_recognise(
    subscription: DigestSubscription, start: datetime, end: datetime
) -> Month | None:
    """The month before `end`'s, when this period is the first to reach into `end`'s month."""
    zone = ZoneInfo(subscription.timezone)
    first, last = start.astimezone(zone), end.astimezone(zone)
    if (first.year, first.month) == (last.year, last.month):
        return None
    this_month = datetime(last.year, last.month, 1, tzinfo=zone)
    previous = (this_month - timedelta(days=1)).replace(day=1)
    return Month(previous.strftime("%B"), previous.astimezone(UTC), this_month.astimezone(UTC))


def recognition_blocks(
    db: Database, subscription: DigestSubscription, start: datetime, end: datetime
) -> Blocks:
    """ "Notes that mattered in November", or nothing when this digest is not the month's
    first or marketing used no note that month."""
    month = month_to_recognise(subscription, start, end)
    if month is None:
        return []
    used = digest_recognition.most_used(
        db, subscription.team_id, (month.start, month.end), subscription.tag_filter, TOP_NOTES
    )
    if not used:
        return []
    lines = [f":trophy: *Notes that mattered in {month.name}* — the notes marketing used most"]
    lines.extend(_line(rank, note) for rank, note in enumerate(used, start=1))
    named = list(dict.fromkeys(note.author_id for note in used if note.named))
    if named:
        lines.append(f"Thank you, {_names(named)}: your customers' words are in our work.")
    return text_sections(["\n".join(lines)])


def _line(rank: int, note: UsedNote) -> str:
    account = (
        f"*{mrkdwn.escape(mrkdwn.excerpt(note.account, ACCOUNT_CHARS))}* · " if note.account else ""
    )
    quote = mrkdwn.escape(mrkdwn.excerpt(note.text, QUOTE_CHARS))
    uses = f"used {note.uses} time{'s' if note.uses != 1 else ''}"
    author = f" · {mrkdwn.user(note.author_id)}" if note.named else ""
    return f"{rank}. {account}“{quote}” — {uses}{author} · note #{note.note_id}"


def _names(user_ids: list[str]) -> str:
    mentions = [mrkdwn.user(user) for user in user_ids]
    return mentions[0] if len(mentions) == 1 else f"{', '.join(mentions[:-1])} and {mentions[-1]}"


def set_recognition(services: Services, team_id: str, user_id: str, named: bool) -> str:
    """`/fieldnote settings recognition on|off`: the answer says what changes and what doesn't."""
    digest_recognition.set_named(services.db, team_id, user_id, named, services.clock())
    if named:
        return ":trophy: Digests will thank you by name again when marketing uses your notes most."
    return (
        "Done: digests won't name you in “Notes that mattered”. Your notes still count and are "
        "still shown; `/fieldnote settings recognition on` names you again."
    )
