"""The competitor view: what the field said about a competitor in the last 30 and 90
days, and the aliases admins set so "gong.io" counts for Gong."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.refusals import Refusal
from bot.services import Services
from bot.slack.mrkdwn import escape
from storage import intel
from storage.intel import CompetitorSummary, DealTally, Quote

WINDOWS = (30, 90)
QUOTES = 5
REPS = 5
MAX_NAME_CHARS = 100
ALIAS_EXAMPLE = "`/perspective competitor alias gong gong.io`"
# A name is one word, or several in double quotes (Slack may send curly ones).
WORD = re.compile(r'["“”]([^"“”]+)["“”]|(\S+)')


@dataclass(frozen=True)
class Window:
    days: int
    notes: int
    deals: DealTally


@dataclass(frozen=True)
class CompetitorView:
    shown: str
    windows: list[Window]
    quotes: list[Quote]
    reps: list[tuple[str, int]]


def view(services: Services, team_id: str, name: str) -> CompetitorView | Refusal:
    """Everything the view shows, or a refusal naming the competitors the field did mention."""
    name = name.strip().strip('"“”')
    if not name:
        return Refusal(
            "Say which competitor, e.g. `/fieldnote competitor gong`; "
            "`/fieldnote competitors` lists them all."
        )
    competitor = intel.competitor_for(services.db, team_id, name)
    if competitor is None:
        return _unknown(services, team_id, name)
    now = services.clock()
    since = [now - timedelta(days=days) for days in WINDOWS]
    notes = intel.note_counts(services.db, team_id, competitor, since)
    deals = intel.deal_tallies(services.db, team_id, competitor, since)
    return CompetitorView(
        shown=competitor.shown,
        windows=[Window(d, n, t) for d, n, t in zip(WINDOWS, notes, deals, strict=True)],
        quotes=intel.latest_quotes(services.db, team_id, competitor, QUOTES),
        reps=intel.top_reps(services.db, team_id, competitor, since[-1], REPS),
    )


def _unknown(services: Services, team_id: str, name: str) -> Refusal:
    guesses = difflib.get_close_matches(
        intel.normalise(name), intel.all_terms(services.db, team_id), n=3, cutoff=0.6
    )
    hint = f" Did you mean {', '.join(f'`{escape(g)}`' for g in guesses)}?" if guesses else ""
    return Refusal(
        f"Nobody in the field has mentioned *{escape(name[:MAX_NAME_CHARS])}* yet "
        f"(as `#competitor:{escape(intel.normalise(name)[:40])}` or in a win/loss answer).{hint} "
        "`/fieldnote competitors` lists the competitors they did mention."
    )


def index_new_terms(services: Services, now: datetime) -> None:
    """Scheduled: notes stored before a competitor's first tag start counting for it."""
    intel.index_new_terms(services.db)


def overview(services: Services, team_id: str) -> list[CompetitorSummary]:
    """Every competitor the field mentioned, with the last 90 days' numbers."""
    since = services.clock() - timedelta(days=WINDOWS[-1])
    return intel.summaries(services.db, team_id, since)


def alias_command(services: Services, team_id: str, user_id: str, text: str) -> str | Refusal:
    """`alias <competitor> <alias>`: the alias counts for the competitor from now on, and
    what the field already said under it counts too."""
    names = [quoted or word for quoted, word in WORD.findall(text)]
    if len(names) != 3 or names[0].lower() != "alias":
        return Refusal(
            f"Name the competitor, then the other name reps use for it: {ALIAS_EXAMPLE}. "
            'Put names with spaces in quotes: `alias "sales loft" salesloft`.'
        )
    if refusal := services.require_admin(user_id, "set competitor aliases"):
        return refusal
    competitor, alias = intel.normalise(names[1]), intel.normalise(names[2])
    if max(len(competitor), len(alias)) > MAX_NAME_CHARS:
        return Refusal(f"Competitor names can be at most {MAX_NAME_CHARS} characters.")
    if competitor == alias:
        return Refusal(
            f"Those are the same name. Give the other name reps use, e.g. {ALIAS_EXAMPLE}."
        )
    current = intel.competitor_for(services.db, team_id, competitor)
    if current is not None and alias in current.terms:
        return f"*{escape(names[2])}* already counts for *{escape(current.shown)}*."
    shown = intel.add_alias(services.db, team_id, competitor, alias)
    return (
        f":link: *{escape(names[2])}* now counts for *{escape(shown)}*: notes and win/loss "
        f"answers naming either are in `/fieldnote competitor {escape(competitor)}`."
    )
