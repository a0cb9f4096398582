"""The digest section on promises newly broken or at risk.

Marketing changes pages, pricing and launch dates that reps have promised
customers things against; a broken or at-risk promise is the moment they need to
know. Each promise event (`storage.digest_promises`) is shown once, in the digest whose
frozen range holds it; counts come from SQL so a long list still has the right
numbers, and at most `MAX_SHOWN` promises are listed in full.
"""

from __future__ import annotations

from bot.digests.blocks import SectionContent, text_sections
from bot.digests.section import SectionRequest
from bot.slack import mrkdwn
from bot.slack.blocks import day
from storage import digest_promises
from storage.promises import AT_RISK, BROKEN, KEPT, OPEN, Promise, PromiseEvent

MAX_SHOWN = 15
TEXT_CHARS = 200
ACCOUNT_CHARS = 80
DETAIL_CHARS = 300
# Broken first: it has already happened; at risk can still be saved.
KINDS = ((BROKEN, "Broken", ":red_circle:"), (AT_RISK, "At risk", ":warning:"))


def promise_events_section(request: SectionRequest) -> SectionContent:
    """Promises that broke or came at risk in the digest's range, broken first."""
    counts = digest_promises.promises_per_event_kind(
        request.db, request.team_id, request.after_id, request.upto_id, (BROKEN, AT_RISK)
    )
    total = sum(counts.values())
    if not total:
        return SectionContent(0, "no promises broken or at risk", [])
    lines = [f":handshake: *Promises* · {_summary(counts)}"]
    budget = MAX_SHOWN
    for kind, label, icon in KINDS:
        count = counts.get(kind, 0)
        if not count:
            continue
        events = _latest_per_promise(request, kind, budget)
        budget -= len(events)
        lines.append(f"*{label}* · {_promises(count)}")
        lines.extend(promise_line(event, icon) for event in events)
        if count > len(events):
            lines.append(f"_…and {count - len(events):,} more {label.lower()}_")
    return SectionContent(count=total, summary=_summary(counts), blocks=text_sections(lines))


def _latest_per_promise(request: SectionRequest, kind: str, limit: int) -> list[PromiseEvent]:
    """Up to `limit` promises with an event of `kind`, each once (with its latest such event)."""
    if limit <= 0:
        return []
    events = digest_promises.events_after(
        request.db, request.team_id, request.after_id, (kind,), limit * 2, upto_id=request.upto_id
    )
    latest = {event.promise_id: event for event in events}
    return list(latest.values())[:limit]


def promise_line(event: PromiseEvent, icon: str) -> str:
    """Who promised what to whom and by when, why it broke or what put it at risk."""
    promise = event.promise
    account = (
        f"*{mrkdwn.escape(mrkdwn.excerpt(promise.account, ACCOUNT_CHARS))}*"
        if promise.account
        else "_no account_"
    )
    head = (
        f"{icon} {account} · {mrkdwn.user(promise.owner_id)} · due {day(promise.due_on)} · "
        f"promise #{promise.id}{_since(event.kind, promise)}"
    )
    quote = f"> {mrkdwn.escape(mrkdwn.excerpt(promise.text, TEXT_CHARS))}"
    why = "Why" if event.kind == BROKEN else "Because"
    detail = mrkdwn.escape(mrkdwn.excerpt(event.detail, DETAIL_CHARS))
    return f"{head}\n{quote}\n{why}: {detail}" if detail else f"{head}\n{quote}"


def _since(kind: str, promise: Promise) -> str:
    """What became of the promise after the event, so no one chases a settled one."""
    if promise.status == KEPT:
        return " · _since kept_"
    if kind == AT_RISK and promise.status == BROKEN:
        return " · _since broken_"
    if kind == AT_RISK and promise.status == OPEN and not promise.at_risk:
        return " · _no longer at risk_"
    if kind == BROKEN and promise.status == OPEN:
        return " · _since given a new due date_"
    return ""


def _summary(counts: dict[str, int]) -> str:
    """E.g. "1 promise broken, 2 at risk" for the digest's header line."""
    parts = [(counts.get(kind, 0), label.lower()) for kind, label, _icon in KINDS]
    shown = [(count, label) for count, label in parts if count]
    first_count, first_label = shown[0]
    first = f"{_promises(first_count)} {first_label}"
    return ", ".join([first, *(f"{count:,} {label}" for count, label in shown[1:])])


def _promises(count: int) -> str:
    return f"{count:,} promise{'s' if count != 1 else ''}"
