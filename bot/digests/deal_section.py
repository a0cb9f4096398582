"""The digest section on closed deals: outcome, amount, the real reason, the customer's words.

Marketing needs why deals are won and lost in the customer's own words. Each
closure is shown once, in the digest whose frozen range holds it, with the
rep's answer if it is already in. A reason that comes in after its deal was
shown still reaches marketing: answers have their own cursor (`deal_answers`),
and the next digest lists them as reasons for earlier deals
(`storage.digest_deals` spells out why nothing is skipped or shown twice).
Counts, reason counts and top competitors come from SQL over the same ranges;
at most `MAX_SHOWN` deals are listed in full.
"""

from __future__ import annotations

from bot.deals.blocks import money, reason_label
from bot.digests.blocks import ACCOUNT_CHARS, SectionContent, text_sections
from bot.digests.section import SectionRequest
from bot.intel.blocks import competitor_buttons
from bot.slack import mrkdwn
from bot.slack.blocks import moment
from storage import digest_deals as store
from storage.deal_stats import ReasonCount
from storage.deals import LOST, WON
from storage.digest_deals import ClosedDeal, DealRange

ANSWERS_KIND = "deal_answers"
MAX_SHOWN = 15
TOP_COMPETITORS = 5
NAME_CHARS = 120
SAID_CHARS = 300
NOTE_CHARS = 300
COMPETITOR_CHARS = 60
# Lost first: that is where marketing has the most to fix.
OUTCOMES = ((LOST, "Lost", ":x:"), (WON, "Won", ":trophy:"))


def deals_section(request: SectionRequest) -> SectionContent:
    """Deals closed in the digest's range, lost first, then reasons in for earlier deals."""
    span = DealRange(
        request.team_id,
        (request.after_id, request.upto_id),
        request.ranges.get(ANSWERS_KIND, (0, 0)),
    )
    counts = store.outcome_counts(request.db, span)
    late = store.late_answer_count(request.db, span)
    if not sum(counts.values()) and not late:
        return SectionContent(0, "no deals closed", [])
    summary = _summary(counts, late)
    lines = [f":moneybag: *Closed deals* · {summary}"]
    listed: list[ClosedDeal] = []
    budget = MAX_SHOWN
    for outcome, label, icon in OUTCOMES:
        count = counts.get(outcome, 0)
        if not count:
            continue
        shown = store.closed_deals(request.db, span, outcome, max(budget, 0))
        budget -= len(shown)
        listed.extend(shown)
        lines.append(f"*{label}* · {_deals(count)}")
        lines.extend(deal_lines(deal, icon) for deal in shown)
        lines.extend(_more(count - len(shown), f"{label.lower()} deals"))
    if late:
        shown = store.late_answers(request.db, span, max(budget, 0))
        listed.extend(shown)
        lines.append(f"*Reasons in for deals shown earlier* · {late:,}")
        lines.extend(deal_lines(deal, _icon(deal.outcome)) for deal in shown)
        lines.extend(_more(late - len(shown), "reasons"))
    aggregates, top = _aggregates(request, span)
    lines.extend(aggregates)
    named = [deal.competitor for deal in listed if deal.competitor] + top
    blocks = text_sections(lines) + competitor_buttons(_distinct(named))
    return SectionContent(count=sum(counts.values()) + late, summary=summary, blocks=blocks)


def _distinct(names: list[str]) -> list[str]:
    """Each competitor once (`Gong` and `gong` are one), in the order first named."""
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(name.strip().lower(), name.strip())
    return [name for name in seen.values() if name]


def deal_lines(deal: ClosedDeal, icon: str) -> str:
    """The deal in one line, then the rep's reason and the customer's words when they are in."""
    head = [f"{icon} *{mrkdwn.escape(mrkdwn.excerpt(deal.name, NAME_CHARS))}*"]
    amount = money(deal.amount, deal.currency)
    if amount:
        head.append(amount)
    if deal.account:
        head.append(mrkdwn.escape(mrkdwn.excerpt(deal.account, ACCOUNT_CHARS)))
    head.append(f"closed {deal.outcome} {moment(deal.closed_at)}")
    if deal.owner_id:
        head.append(mrkdwn.user(deal.owner_id))
    if deal.superseded:
        head.append("_outcome since changed_")
    return "\n".join([" · ".join(head), *_answer_lines(deal)])


def _answer_lines(deal: ClosedDeal) -> list[str]:
    if deal.reason is None:
        waiting = deal.asked and not deal.superseded
        return ["_Reason not in yet: it follows in a later digest._"] if waiting else []
    reason = [f"Reason: *{reason_label(deal.reason)}*"]
    if deal.competitor:
        reason.append(f"vs {mrkdwn.escape(mrkdwn.excerpt(deal.competitor, COMPETITOR_CHARS))}")
    if deal.talked_to_customer:
        reason.append(":speech_balloon: talked to the customer")
    lines = [" · ".join(reason)]
    if deal.customer_said:
        lines.append(f"> {mrkdwn.escape(mrkdwn.excerpt(deal.customer_said, SAID_CHARS))}")
    if deal.marketing_note:
        note = mrkdwn.escape(mrkdwn.excerpt(deal.marketing_note, NOTE_CHARS))
        lines.append(f"For marketing: {note}")
    return lines


def _aggregates(request: SectionRequest, span: DealRange) -> tuple[list[str], list[str]]:
    """Reason counts per outcome and the competitors named, over the answers shown above;
    and the top competitors' names, for their buttons."""
    reasons = store.reason_counts(request.db, span)
    if not reasons:
        return [], []
    lines = [
        f"*{label} reasons:* {_reason_counts(reasons, outcome)}"
        for outcome, label, _icon in OUTCOMES
        if any(r.outcome == outcome for r in reasons)
    ]
    competitors = store.top_competitors(request.db, span, TOP_COMPETITORS)
    if competitors:
        named = " · ".join(
            f"{mrkdwn.escape(mrkdwn.excerpt(name, COMPETITOR_CHARS))} {n:,}"
            for name, n in competitors
        )
        lines.append(f"*Top competitors:* {named}")
    return lines, [name for name, _n in competitors]


def _reason_counts(reasons: list[ReasonCount], outcome: str) -> str:
    return " · ".join(
        f"{reason_label(r.reason)} {r.count:,}" for r in reasons if r.outcome == outcome
    )


def _more(count: int, what: str) -> list[str]:
    return [f"_…and {count:,} more {what}_"] if count > 0 else []


def _icon(outcome: str) -> str:
    return next(icon for kind, _label, icon in OUTCOMES if kind == outcome)


def _summary(counts: dict[str, int], late: int) -> str:
    """E.g. "3 deals closed (2 lost, 1 won)" and "1 reason in for an earlier deal"."""
    parts = []
    total = sum(counts.values())
    if total:
        split = ", ".join(
            f"{counts[outcome]:,} {outcome}" for outcome, _l, _i in OUTCOMES if counts.get(outcome)
        )
        parts.append(f"{_deals(total)} closed ({split})")
    if late:
        parts.append(f"{late:,} reason{'s' if late != 1 else ''} in for earlier deals")
    return ", ".join(parts)


def _deals(count: int) -> str:
    return f"{count:,} deal{'s' if count != 1 else ''}"
