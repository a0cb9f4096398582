"""Deal intake: the rules shared by the CRM webhook, the CSV import and `/perspective deal`.

Whatever the door, a closed deal is read into the same `DealFields`, its owner is
resolved to a Slack user (or left *unassigned*, never dropped), and it is stored
idempotently on (team, deal_id). A new outcome is prompted at once, in the
background, so the intake itself stays fast.
"""

from __future__ import annotations

import csv
import itertools
import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.config import SLACK_USER_ID
from bot.deals import winloss
from bot.delivery import SEND_ERRORS as SLACK_ERRORS
from bot.services import Services
from storage import deal_intake, workspace_settings
from storage.deals import LOST, WON, NewDeal, Recorded

log = logging.getLogger(__name__)

OUTCOMES = (WON, LOST)
WIN_PROMPTS = "win_prompts"
# Deals that closed longer ago than this are recorded for reporting but nobody
# is asked about them: a CSV backfill of last year must not flood reps' DMs.
PROMPT_WINDOW = timedelta(days=30)
MAX_NAME_CHARS = 300
MAX_ACCOUNT_CHARS = 200
MAX_DEAL_ID_CHARS = 200
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CURRENCY = re.compile(r"^[A-Za-z]{3}$")
CLOSED_YEARS = (1970, 2100)
# Bytes that are not UTF-8, read with errors="surrogateescape", become lone surrogates.
UNDECODABLE = re.compile("[\udc80-\udcff]")


@dataclass(frozen=True)
class FieldError:
    """A field the sender got wrong: named, so a CRM admin can fix the mapping."""

    field: str
    message: str


@dataclass(frozen=True)
class DealFields:
    """A closed deal as the outside world describes it, checked but not yet stored."""

    deal_id: str
    name: str
    account: str | None
    amount: Decimal | None
    currency: str | None
    outcome: str
    owner_slack_id: str | None
    owner_email: str | None
    closed_at: datetime | None
    team_id: str | None = None


@dataclass(frozen=True)
class Intake:
    """What happened to one closed deal: recorded, duplicate or a changed outcome."""

    recorded: Recorded
    status: str

    @property
    def unassigned(self) -> bool:
        return self.recorded.deal.owner_id is None


def read_fields(data: Mapping[str, Any]) -> DealFields | FieldError:
    """Check a webhook body or CSV row; the first problem is returned, naming its field.

    Required: deal_id, name, outcome, and owner_slack_id or owner_email. Optional
    (absent, null or empty): account, amount, currency (default USD), closed_at
    (default: now), team_id (default: the bot's own workspace).
    """
    try:
        owner_slack_id = _optional_text(data, "owner_slack_id", 32)
        owner_email = _optional_text(data, "owner_email", 320)
        if owner_slack_id is None and owner_email is None:
            raise _Invalid("owner_slack_id", "owner_slack_id or owner_email is required")
        if owner_slack_id is not None and not SLACK_USER_ID.match(owner_slack_id):
            raise _Invalid(
                "owner_slack_id", "owner_slack_id must be a Slack user id like U012AB3CD"
            )
        if owner_email is not None and not EMAIL.match(owner_email):
            raise _Invalid("owner_email", "owner_email must be an email address")
        return DealFields(
            deal_id=_deal_id(data),
            name=_required_text(data, "name", MAX_NAME_CHARS),
            account=_optional_text(data, "account", MAX_ACCOUNT_CHARS),
            amount=_amount(data),
            currency=_currency(data),
            outcome=_outcome(data),
            owner_slack_id=owner_slack_id,
            owner_email=owner_email.lower() if owner_email else None,
            closed_at=_closed_at(data),
            team_id=_optional_text(data, "team_id", 32),
        )
    except _Invalid as invalid:
        return FieldError(invalid.field, invalid.message)


class _Invalid(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _present(data: Mapping[str, Any], field: str) -> Any:
    value = data.get(field)
    return None if value is None or (isinstance(value, str) and not value.strip()) else value


def _optional_text(data: Mapping[str, Any], field: str, limit: int) -> str | None:
    value = _present(data, field)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Invalid(field, f"{field} must be a string")
    if "\x00" in value:
        # PostgreSQL cannot store it (SQLite can): refused alike on both.
        raise _Invalid(field, f"{field} must not contain NUL characters (\\u0000)")
    value = " ".join(value.split())
    if len(value) > limit:
        raise _Invalid(field, f"{field} must be at most {limit} characters")
    return value


def _required_text(data: Mapping[str, Any], field: str, limit: int) -> str:
    value = _optional_text(data, field, limit)
    if value is None:
        raise _Invalid(field, f"{field} is required")
    return value


def _deal_id(data: Mapping[str, Any]) -> str:
    """CRMs send ids as strings or numbers; both are fine, anything else is not."""
    value = _present(data, "deal_id")
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return _required_text(data, "deal_id", MAX_DEAL_ID_CHARS)


def _amount(data: Mapping[str, Any]) -> Decimal | None:
    value = _present(data, "amount")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _Invalid("amount", "amount must be a number like 48000 or 48000.50")
    try:
        amount = Decimal(str(value).strip().lstrip("$€£").replace(",", ""))
    except InvalidOperation:
        raise _Invalid("amount", "amount must be a number like 48000 or 48000.50") from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e14"):
        raise _Invalid("amount", "amount must be a positive number below 100 trillion")
    return amount.quantize(Decimal("0.01"))


def _currency(data: Mapping[str, Any]) -> str:
    value = _optional_text(data, "currency", 3)
    if value is None:
        return "USD"
    if not CURRENCY.match(value):
        raise _Invalid("currency", "currency must be a three-letter code like USD or EUR")
    return value.upper()


def _outcome(data: Mapping[str, Any]) -> str:
    value = _required_text(data, "outcome", 10).lower()
    if value not in OUTCOMES:
        raise _Invalid("outcome", 'outcome must be "won" or "lost"')
    return value


def _closed_at(data: Mapping[str, Any]) -> datetime | None:
    """A deal closes in living memory: years like 0001 or 9999 are a CRM's placeholder or
    a typo, and near those ends converting to UTC would overflow."""
    value = _optional_text(data, "closed_at", 40)
    if value is None:
        return None
    try:
        closed = datetime.fromisoformat(value)
    except ValueError:
        raise _Invalid(
            "closed_at", "closed_at must be an ISO-8601 date or time like 2026-11-20T16:30:00Z"
        ) from None
    if not CLOSED_YEARS[0] <= closed.year <= CLOSED_YEARS[1]:
        raise _Invalid(
            "closed_at",
            f"closed_at must be a date between {CLOSED_YEARS[0]} and {CLOSED_YEARS[1]}",
        )
    return closed.replace(tzinfo=UTC) if closed.tzinfo is None else closed.astimezone(UTC)


def owner_of(services: Services, fields: DealFields) -> str | None:
    """The Slack user who owns the deal; None (unassigned) when Slack knows no such email.

    Slack errors other than "no such user" propagate: guessing "unassigned" during
    an outage would strand deals that have a perfectly good owner.
    """
    if fields.owner_slack_id is not None:
        return fields.owner_slack_id
    return services.directory.user_id_for_email(fields.owner_email or "")


def wants_prompt(services: Services, team_id: str, outcome: str, closed_at: datetime) -> bool:
    if closed_at < services.clock() - PROMPT_WINDOW:
        return False
    return outcome == LOST or win_prompts_on(services, team_id)


def win_prompts_on(services: Services, team_id: str) -> bool:
    return workspace_settings.get_setting(services.db, team_id, WIN_PROMPTS, "on") == "on"


def set_win_prompts(services: Services, team_id: str, on: bool) -> None:
    workspace_settings.set_setting(services.db, team_id, WIN_PROMPTS, "on" if on else "off")


def record(services: Services, team_id: str, fields: DealFields, source: str) -> Intake:
    """Store the deal (owner resolved first, outside the transaction) and, when it is a
    new outcome, queue its prompt; say what it was."""
    now = services.clock()
    closed_at = fields.closed_at or now
    new = NewDeal(
        team_id=team_id,
        deal_id=fields.deal_id,
        name=fields.name,
        account=fields.account,
        amount=fields.amount,
        currency=fields.currency,
        outcome=fields.outcome,
        owner_id=owner_of(services, fields),
        owner_email=fields.owner_email,
        closed_at=closed_at,
        source=source,
    )
    prompt = wants_prompt(services, team_id, fields.outcome, closed_at)
    recorded = deal_intake.record_deal(services.db, new, prompt, now)
    if recorded.closure is None:
        return Intake(recorded, "duplicate")
    winloss.prompt_soon(services, recorded.closure, recorded.replaced, claimed=True)
    return Intake(recorded, "outcome_changed" if recorded.outcome_changed else "recorded")


@dataclass
class ImportReport:
    """What `perspective import deals` did, row by row (row 1 is the header)."""

    imported: int = 0
    duplicates: int = 0
    unassigned: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)


def import_csv(services: Services, lines: Iterable[str]) -> ImportReport:
    """Record each row of a CSV file on its own: a bad row is reported and skipped, never
    half-stored, and the rows after it are still read.

    `lines` is the open file, read with errors="surrogateescape" so that bytes that are
    not UTF-8 spoil only their own row. A header that cannot be read raises csv.Error:
    without column names no row means anything.
    """
    report = ImportReport()
    for number, row in _csv_rows(lines):
        if isinstance(row, str):
            report.rejected.append((number, row))
            continue
        fields = read_fields(row)
        if isinstance(fields, FieldError):
            report.rejected.append((number, fields.message))
            continue
        try:
            intake = record(services, fields.team_id or services.directory.team_id(), fields, "csv")
        except SLACK_ERRORS as error:
            report.rejected.append((number, f"Slack did not answer ({error}); import it again"))
            continue
        if intake.status == "duplicate":
            report.duplicates += 1
        else:
            report.imported += 1
            report.unassigned += intake.unassigned
    return report


def _csv_rows(lines: Iterable[str]) -> Iterator[tuple[int, Mapping[str, str] | str]]:
    """Each row after the header with its number (the header is row 1), or why it is unusable.

    The csv reader starts afresh on the line after one it rejects (a field over its
    size limit, a stray quote), so a malformed row costs only itself. Strict mode turns
    an unclosed quote into such an error instead of swallowing the rows after it.
    """
    reader = csv.DictReader(lines, strict=True)
    if any(UNDECODABLE.search(name) for name in reader.fieldnames or ()):
        raise csv.Error("the header row is not valid UTF-8")
    for number in itertools.count(2):
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield number, f"not readable as CSV: {error}"
            continue
        if None in row:
            yield number, "more values than columns in the header"
        elif any(value and UNDECODABLE.search(value) for value in row.values()):
            yield number, "not valid UTF-8"
        else:
            yield number, row
