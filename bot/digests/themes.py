"""Rising themes: a tag many reps suddenly raise, flagged at the top of the next digest.

The rule: at least `MIN_REPS` different reps raised the tag in the last
`RECENT` (14 days), and it came up at least `FACTOR` (2×) as often — notes per
day — as in the `BEFORE` (28 days) before that. A tag nobody raised before
counts as rising. Each rise is flagged once per subscription: a digest that
flags it records so, and it can be flagged again only after a digest found it
no longer rising (`storage.digest_themes`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.digests.blocks import ACCOUNT_CHARS, text_sections
from bot.slack import mrkdwn
from bot.slack.blocks import Blocks
from storage import digest_themes
from storage.db import Database
from storage.digest_notes import DigestNote
from storage.digest_themes import TagActivity, ThemeChange
from storage.digests import DigestSubscription

RECENT = timedelta(days=14)
BEFORE = timedelta(days=28)
MIN_REPS = 3
FACTOR = 2
MAX_THEMES = 5
NOTES_QUOTED = 3
QUOTE_CHARS = 200


@dataclass(frozen=True)
class RisingTheme:
    tag: str
    notes: int
    reps: int
    times: float | None  # how many times as often as before; None: not raised before
    quoted: tuple[DigestNote, ...] = ()


def comes_up_more_often(activity: TagActivity) -> bool:
    """At least `FACTOR` times the daily rate of the weeks before, from at least `MIN_REPS`
    notes (fewer notes cannot come from enough reps)."""
    recent_rate = activity.recent * BEFORE.days
    before_rate = activity.before * RECENT.days
    return activity.recent >= MIN_REPS and recent_rate >= FACTOR * before_rate


def times_as_often(activity: TagActivity) -> float | None:
    if not activity.before:
        return None
    return (activity.recent / RECENT.days) / (activity.before / BEFORE.days)


def rising_themes(
    db: Database, team_id: str, tags: tuple[str, ...], end: datetime
) -> list[RisingTheme]:
    """Every tag rising at `end` under the subscription's tag filter, steepest first."""
    windows = (end - RECENT - BEFORE, end - RECENT, end)
    candidates = [
        a for a in digest_themes.tag_activity(db, team_id, tags, windows) if comes_up_more_often(a)
    ]
    reps = digest_themes.reps_lately(db, team_id, [a.tag for a in candidates], end - RECENT, end)
    found = [
        RisingTheme(a.tag, a.recent, reps[a.tag], times_as_often(a))
        for a in candidates
        if reps.get(a.tag, 0) >= MIN_REPS
    ]
    return sorted(found, key=lambda t: (t.times is not None, -(t.times or 0), -t.notes, t.tag))


@dataclass(frozen=True)
class ThemesToFlag:
    themes: list[RisingTheme]  # new rises, with their newest notes, for the digest's top
    change: ThemeChange  # what to record when the digest is frozen


def themes_to_flag(db: Database, subscription: DigestSubscription, end: datetime) -> ThemesToFlag:
    """The rises this subscription has not flagged yet, and the earlier rises now over."""
    rising = rising_themes(db, subscription.team_id, subscription.tag_filter, end)
    flagged = digest_themes.flagged_rises(db, subscription.id)
    new = [theme for theme in rising if theme.tag not in flagged][:MAX_THEMES]
    with_notes = [
        RisingTheme(
            t.tag,
            t.notes,
            t.reps,
            t.times,
            tuple(
                digest_themes.theme_notes(
                    db, subscription.team_id, t.tag, end - RECENT, end, NOTES_QUOTED
                )
            ),
        )
        for t in new
    ]
    ended = flagged - {theme.tag for theme in rising}
    change = ThemeChange(
        subscription.id,
        subscription.team_id,
        flagged=tuple(t.tag for t in new),
        ended=tuple(sorted(ended)),
    )
    return ThemesToFlag(with_notes, change)


def theme_blocks(themes: list[RisingTheme]) -> Blocks:
    """One section per rising theme: the flag line, then its newest notes quoted."""
    blocks: Blocks = []
    for theme in themes:
        lines = [
            f":chart_with_upwards_trend: *Rising: #{mrkdwn.escape(theme.tag)}* — {_why(theme)}"
        ]
        lines.extend(_quote(note) for note in theme.quoted)
        blocks.extend(text_sections(["\n".join(lines)]))
    return blocks


def _why(theme: RisingTheme) -> str:
    notes = f"{theme.notes:,} note{'s' if theme.notes != 1 else ''} from {theme.reps} reps"
    if theme.times is None:
        return f"{notes}, none in the four weeks before"
    times = f"{theme.times:.1f}".removesuffix(".0")
    return f"{notes}, {times}× the weeks before"


def _quote(note: DigestNote) -> str:
    account = (
        f"*{mrkdwn.escape(mrkdwn.excerpt(note.account, ACCOUNT_CHARS))}* · " if note.account else ""
    )
    text = mrkdwn.escape(mrkdwn.excerpt(note.text, QUOTE_CHARS))
    return f"> {account}{text} — {mrkdwn.user(note.author_id)}, note #{note.id}"
