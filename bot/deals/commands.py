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
from bot.people import Finder, read_person
from bot.refusals import Refusal
from bot.services import Services
from bot.slack import mentions, mrkdwn
from storage import deal_stats
from storage import deals as stored
from storage.deals import LOST

EXAMPLE = '`/perspective deal lost "Acme renewal" [Acme Corp] @jane $48,000`'
HELP = f"""*Closed deals* — record a deal so its owner is asked for the real win/loss reason.
• `/perspective deal won|lost "<deal name>" [Account] @owner $amount` — e.g. {EXAMPLE}
   (the name in double quotes; account, owner and amount are optional; the owner defaults to you)
• `/perspective deal stats [90d]` — reason counts, top competitors, how often reps talked to the customer
• `/perspective deal unassigned` — deals whose owner email Slack doesn't know (admins)
• `/perspective deal assign <number> @owner` — give an unassigned deal its owner (admins); without the owner, a form to pick them
• `/perspective settings win-prompts on|off` — ask about won deals too, or only lost ones (admins)"""
AMOUNT = re.compile(r"^([$€£])(\d[\d,]*(?:\.\d{1,2})?)([kKmM]?)$")
SYMBOL_CURRENCY = {"$": "USD", "€": "EUR", "£": "GBP"}
ACCOUNT = re.compile(r"\[([^\[\]]*)\]")
TOKEN = re.compile(r'"([^"]*)"|([^\s"]+)')
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


def read_closed_deal(
    text: str, outcome: str, caller: str, find: Finder
) -> deals.DealFields | Refusal:
    """`"Acme renewal" [Acme Corp] <@U1> $48,000` → the deal's fields, or how to write it.

    The deal name is the phrase in quotes, or else the words that are not an account, an
    owner or an amount, written together. Anything else is refused, never folded into the
    name; `find` looks up an owner typed by hand (`@bob`)."""
    accounts = ACCOUNT.findall(text)
    if len(accounts) > 1 or text.count("[") != len(accounts):
        return Refusal(f"Put the account in one pair of square brackets, e.g. {EXAMPLE}")
    tokens = _tokens(ACCOUNT.sub(" ", text))
    if tokens is None:
        return Refusal(f"Close the quotes around the deal name, e.g. {EXAMPLE}")
    parts = _parts(tokens, find)
    if isinstance(parts, Refusal):
        return parts
    owner, amount, name = parts
    account = " ".join(accounts[0].split()) if accounts else None
    fields = {
        "deal_id": _deal_id(name, account),
        "name": name,
        "account": account,
        "amount": str(amount[0]) if amount else None,
        "currency": amount[1] if amount else None,
        "outcome": outcome,
        "owner_slack_id": owner or caller,
    }
    checked = deals.read_fields(fields)
    if isinstance(checked, deals.FieldError):
        return Refusal(f"{checked.message}. For example: {EXAMPLE}")
    return checked


Token = tuple[str, bool]  # a word or a quoted phrase, and whether it was quoted


def _tokens(text: str) -> list[Token] | None:
    """Words and "quoted phrases" (curly quotes too); None when a quote is left open."""
    text = text.replace("“", '"').replace("”", '"')
    if text.count('"') % 2:
        return None
    return [
        (match.group(1), True) if match.group(1) is not None else (match.group(2), False)
        for match in TOKEN.finditer(text)
    ]


def _parts(
    tokens: list[Token], find: Finder
) -> tuple[str | None, tuple[Decimal, str] | None, str] | Refusal:
    """The owner, the amount and the name the tokens hold, each at most once."""
    owners, amounts, quoted, rest = [], [], [], []
    for index, (word, was_quoted) in enumerate(tokens):
        if was_quoted:
            quoted.append(word)
        elif word.startswith("@") or (word.startswith("<@") and mentions.user_id(word)):
            owners.append(word)
        elif AMOUNT.match(word):
            amounts.append(_amount(word))
        else:
            rest.append((index, word))
    if len(quoted) > 1 or len(owners) > 1 or len(amounts) > 1:
        return Refusal(f"Give one deal name in quotes, one @owner and one $amount, e.g. {EXAMPLE}")
    owner = read_person(owners[0], find, EXAMPLE) if owners else None
    if isinstance(owner, Refusal):
        return owner
    name = _name(quoted, rest)
    if isinstance(name, Refusal):
        return name
    return owner, amounts[0] if amounts else None, name


def _name(quoted: list[str], rest: list[tuple[int, str]]) -> str | Refusal:
    """The quoted phrase with nothing else left over, or the unquoted words side by side."""
    leftover = " ".join(word for _, word in rest)
    if quoted and rest:
        return Refusal(
            f"I couldn't read `{mrkdwn.escape(leftover[:60])}`. After the deal name in quotes "
            f"come only an [Account], an @owner and a $amount, e.g. {EXAMPLE}"
        )
    positions = [index for index, _ in rest]
    if positions and positions != list(range(positions[0], positions[0] + len(positions))):
        return Refusal(f"Put the deal name in double quotes, e.g. {EXAMPLE}")
    name = " ".join((quoted[0] if quoted else leftover).split())
    if not name:
        return Refusal(f"Name the deal, in quotes if it has several words, e.g. {EXAMPLE}")
    return name


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
    fields = read_closed_deal(text, outcome, caller, services.directory.members_named)
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


def unassigned_deals(services: Services, team_id: str) -> list[stored.Deal]:
    """The newest deals whose owner is not in Slack, for an admin to assign."""
    return stored.unassigned(services.db, team_id, UNASSIGNED_LIMIT)


def list_unassigned(services: Services, team_id: str, user_id: str) -> str | Refusal:
    if refusal := services.require_admin(user_id, "see unassigned deals"):
        return refusal
    found = unassigned_deals(services, team_id)
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


ASSIGN_EXAMPLE = "`/perspective deal assign 12 @jane`"


@dataclass(frozen=True)
class AssignDeal:
    deal_ref: int
    owner_id: str


@dataclass(frozen=True)
class OpenAssignForm:
    """`deal assign 12` without an owner: the form with a person picker instead."""

    deal_ref: int


def read_assign(text: str, find: Finder) -> AssignDeal | OpenAssignForm | Refusal:
    """`12 @jane` (or `12 jane`, when one member is called that) → the deal and its owner."""
    words = text.split()
    if not words or not words[0].lstrip("#").isdigit() or len(words) > 2:
        return Refusal(f"Say which deal and who owns it, e.g. {ASSIGN_EXAMPLE}.")
    deal_ref = int(words[0].lstrip("#"))
    if len(words) == 1:
        return OpenAssignForm(deal_ref)
    owner = read_person(words[1], find, ASSIGN_EXAMPLE)
    return owner if isinstance(owner, Refusal) else AssignDeal(deal_ref, owner)


def waiting_deal(services: Services, team_id: str, deal_ref: int) -> stored.Deal | Refusal:
    """A deal still waiting for an owner (one indexed read, so a form's ack can ask)."""
    deal = stored.get_deal(services.db, team_id, deal_ref)
    if deal is None or deal.owner_id is not None:
        return Refusal(
            f"Deal #{deal_ref} isn't waiting for an owner. `/perspective deal unassigned` lists those.",
            field=render.OWNER_INPUT,
        )
    return deal


def deal_by_ref(services: Services, team_id: str, deal_ref: int) -> stored.Deal | None:
    return stored.get_deal(services.db, team_id, deal_ref)


def read_assign_form(
    services: Services, team_id: str, deal_ref: int, owner: str | None
) -> AssignDeal | Refusal:
    """The assignment form as an assignment, or the refusal shown under the owner picker."""
    if owner is None:
        return Refusal("Pick the deal's owner.", field=render.OWNER_INPUT)
    deal = waiting_deal(services, team_id, deal_ref)
    return deal if isinstance(deal, Refusal) else AssignDeal(deal_ref, owner)


def assign(services: Services, team_id: str, user_id: str, request: AssignDeal) -> str | Refusal:
    """`/perspective deal assign`, for admins: the deal gets its owner, who is then asked."""
    if refusal := services.require_admin(user_id, "assign deals"):
        return refusal
    deal = give_owner(services, team_id, request)
    return deal if isinstance(deal, Refusal) else assigned_text(deal, request.owner_id)


def give_owner(services: Services, team_id: str, request: AssignDeal) -> stored.Deal | Refusal:
    """Store the owner (local writes) and queue their prompt, which is sent in the background;
    refused when someone gave the deal an owner meanwhile."""
    deal = waiting_deal(services, team_id, request.deal_ref)
    if isinstance(deal, Refusal):
        return deal
    wants = deals.wants_prompt(services, team_id, deal.outcome, services.clock())
    closure = stored.assign_owner(services.db, team_id, deal.id, request.owner_id, wants)
    if closure is not None:
        winloss.prompt_soon(services, closure, claimed=False)
    return deal


def assigned_text(deal: stored.Deal, owner_id: str) -> str:
    return (
        f"{render.deal_title(deal)} now belongs to {mrkdwn.user(owner_id)}, "
        f"who is asked why it was {deal.outcome}."
    )


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
