"""`/perspective deal …` and `/perspective settings …`: reading the text, deciding, answering.

For teams without a CRM hook, `/perspective deal won|lost "<name>" [Account]
<@owner> [$amount]` records a closed deal through the same intake as the
webhook; the rest is reporting and housekeeping around it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from bot.deals import blocks as render
from bot.deals import intake as deals
from bot.deals import winloss
from bot.refusals import Refusal
from bot.services import Services
from bot.slack import mentions, mrkdwn
from storage import deal_stats
from storage import deals as stored
from storage.deals import LOST

EXAMPLE = '`/perspective deal lost "Acme renewal" [Acme Corp] @jane $48,000`'
HELP = f"""*Closed deals* — record a deal so its owner is asked for the real win/loss reason.
• `/perspective deal won|lost "<deal name>" [Account] @owner $amount` — e.g. {EXAMPLE}
   (account, owner and amount are optional; the owner defaults to you)
• `/perspective deal stats [90d]` — reason counts, top competitors, how often reps talked to the customer
• `/perspective deal unassigned` — deals whose owner email Slack doesn't know (admins)
• `/perspective deal assign <number> @owner` — give an unassigned deal its owner (admins)
• `/perspective settings win-prompts on|off` — ask about won deals too, or only lost ones (admins)"""
AMOUNT = re.compile(r"^([$€£])(\d[\d,]*(?:\.\d{1,2})?)([kKmM]?)$")
SYMBOL_CURRENCY = {"$": "USD", "€": "EUR", "£": "GBP"}
ACCOUNT = re.compile(r"\[([^\[\]]*)\]")
PERIOD = re.compile(r"^(\d{1,4})([dw])$")
UNASSIGNED_LIMIT = 20
DEFAULT_STATS_DAYS = 90


@dataclass(frozen=True)
class Stats:
    days: int
    recorded: int
    waiting: int
    reasons: list[stored.ReasonCount]
    competitors: list[tuple[str, int]]
    evidence: stored.EvidenceShare


def read_closed_deal(text: str, outcome: str, caller: str) -> deals.DealFields | Refusal:
    """`"Acme renewal" [Acme Corp] <@U1> $48,000` → the deal's fields, or how to write it."""
    accounts = ACCOUNT.findall(text)
    if len(accounts) > 1 or text.count("[") != len(accounts):
        return Refusal(f"Put the account in one pair of square brackets, e.g. {EXAMPLE}")
    words = mentions.split_words(ACCOUNT.sub(" ", text))
    if words is None:
        return Refusal(f"Close the quotes around the deal name, e.g. {EXAMPLE}")
    owner, amount, currency, name_words = caller, None, None, []
    for word in words:
        if word.startswith("<@") and mentions.user_id(word):
            owner = mentions.user_id(word) or caller
        elif AMOUNT.match(word):
            amount, currency = _amount(word)
        else:
            name_words.append(word)
    name = " ".join(" ".join(name_words).split())
    if not name:
        return Refusal(f"Name the deal, in quotes if it has several words, e.g. {EXAMPLE}")
    account = " ".join(accounts[0].split()) if accounts else None
    fields = {
        "deal_id": _deal_id(name, account),
        "name": name,
        "account": account,
        "amount": str(amount) if amount is not None else None,
        "currency": currency,
        "outcome": outcome,
        "owner_slack_id": owner,
    }
    checked = deals.read_fields(fields)
    if isinstance(checked, deals.FieldError):
        return Refusal(f"{checked.message}. For example: {EXAMPLE}")
    return checked


def _amount(word: str) -> tuple[Decimal, str]:
    match = AMOUNT.match(word)
    assert match is not None
    symbol, number, suffix = match.groups()
    scale = {"": 1, "k": 1_000, "m": 1_000_000}[suffix.lower()]
    return Decimal(number.replace(",", "")) * scale, SYMBOL_CURRENCY[symbol]


def _deal_id(name: str, account: str | None) -> str:
    """Deals typed in Slack have no CRM id: the same name and account are the same deal."""
    key = f"{name.lower()}|{(account or '').lower()}"
    return "slack:" + hashlib.sha256(key.encode()).hexdigest()[:24]


def record_from_slack(
    services: Services, team_id: str, caller: str, outcome: str, text: str
) -> str | Refusal:
    fields = read_closed_deal(text, outcome, caller)
    if isinstance(fields, Refusal):
        return fields
    intake = deals.record(services, team_id, fields, source="slack")
    deal = intake.recorded.deal
    title = render.deal_title(deal)
    owner = mrkdwn.user(deal.owner_id or caller)
    if intake.status == "duplicate":
        return f"{title} is already recorded as {deal.outcome}; nobody is asked twice."
    closure = intake.recorded.closure
    asked = (
        f"I've asked {'you' if deal.owner_id == caller else owner} for the real reason in a DM."
        if closure is not None and closure.wants_prompt
        else "Win prompts are off in this workspace, so nobody is asked."
    )
    if intake.status == "outcome_changed":
        return f":arrows_counterclockwise: {title} is now recorded as {deal.outcome}. {asked}"
    return f":white_check_mark: Recorded {title} as {deal.outcome} for {owner}. {asked}"


def read_period(text: str) -> int | Refusal:
    """`90d`, `12w` or nothing (90 days) → a number of days."""
    if not text:
        return DEFAULT_STATS_DAYS
    match = PERIOD.match(text.strip().lower())
    if match is None or int(match.group(1)) == 0:
        return Refusal("Give the period in days or weeks, e.g. `/perspective deal stats 30d`.")
    return int(match.group(1)) * (7 if match.group(2) == "w" else 1)


def stats(services: Services, team_id: str, days: int) -> Stats:
    since = services.clock() - timedelta(days=days)
    recorded, waiting = deal_stats.closures_since(services.db, team_id, since)
    return Stats(
        days=days,
        recorded=recorded,
        waiting=waiting,
        reasons=deal_stats.reason_counts(services.db, team_id, since),
        competitors=deal_stats.top_competitors(services.db, team_id, since, 5),
        evidence=deal_stats.evidence_share(services.db, team_id, since),
    )


def _deals(count: int) -> str:
    return f"{count} closed deal" + ("" if count == 1 else "s")


def describe_stats(report: Stats) -> str:
    answered = report.evidence.answered
    lines = [
        f"*Win/loss reasons, last {report.days} days* — {_deals(report.recorded)} asked about, "
        f"{answered} answered, {report.waiting} still waiting"
    ]
    if not answered:
        return lines[0] + "\nNo answers yet in this period."
    for outcome in ("lost", "won"):
        counts = [r for r in report.reasons if r.outcome == outcome]
        shown = " · ".join(f"{render.reason_label(r.reason)} {r.count}" for r in counts)
        lines.append(f"*{outcome.capitalize()}:* {shown or 'no answers'}")
    competitors = " · ".join(f"{mrkdwn.escape(name)} {n}" for name, n in report.competitors)
    lines.append(f"*Top competitors:* {competitors or 'none named'}")
    talked = report.evidence.talked_to_customer
    lines.append(
        f"*Evidence:* in {talked} of {answered} answers ({talked * 100 // answered}%) "
        "the rep talked to the customer."
    )
    return "\n".join(lines)


def list_unassigned(services: Services, team_id: str, user_id: str) -> str | Refusal:
    if refusal := services.require_admin(user_id, "see unassigned deals"):
        return refusal
    found = stored.unassigned(services.db, team_id, UNASSIGNED_LIMIT)
    if not found:
        return "Every deal has a Slack owner. :tada:"
    lines = [
        f"• *#{deal.id}* {render.deal_title(deal)} {deal.outcome} — owner "
        f"`{mrkdwn.escape(deal.owner_email or 'unknown')}` isn't in Slack"
        for deal in found
    ]
    return (
        "*Deals without a Slack owner* (newest first; `/perspective deal assign <number> @owner`):\n"
        + "\n".join(lines)
    )


def assign(services: Services, team_id: str, user_id: str, text: str) -> str | Refusal:
    if refusal := services.require_admin(user_id, "assign deals"):
        return refusal
    words = text.split()
    owner = mentions.user_id(words[1]) if len(words) == 2 else None
    if owner is None or not words[0].lstrip("#").isdigit():
        return Refusal("Say which deal and who owns it, e.g. `/perspective deal assign 12 @jane`.")
    deal_ref = int(words[0].lstrip("#"))
    deal = stored.get_deal(services.db, team_id, deal_ref)
    if deal is None or deal.owner_id is not None:
        return Refusal(
            f"Deal #{deal_ref} isn't waiting for an owner. `/perspective deal unassigned` lists those."
        )
    wants = deals.wants_prompt(services, team_id, deal.outcome, services.clock())
    closure = stored.assign_owner(services.db, team_id, deal_ref, owner, wants)
    if closure is not None:
        winloss.prompt_soon(services, closure, claimed=False)
    return f"{render.deal_title(deal)} now belongs to {mrkdwn.user(owner)}, who is asked why it was {deal.outcome}."


def change_settings(services: Services, team_id: str, user_id: str, text: str) -> str | Refusal:
    words = text.lower().split()
    if not words:
        state = "on" if deals.win_prompts_on(services, team_id) else "off"
        return (
            f"Win prompts are *{state}* (lost deals are always asked). " + HELP.splitlines()[-1][2:]
        )
    if words[0] != "win-prompts" or len(words) != 2 or words[1] not in ("on", "off"):
        return Refusal("Try `/perspective settings win-prompts on` or `… win-prompts off`.")
    if refusal := services.require_admin(user_id, "change settings"):
        return refusal
    deals.set_win_prompts(services, team_id, words[1] == "on")
    if words[1] == "on":
        return "Win prompts are *on*: owners of won and lost deals are asked why."
    return f"Win prompts are *off*: only {LOST} deals are asked about from now on."
