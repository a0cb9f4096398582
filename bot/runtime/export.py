"""`perspective export notes|promises|deals`: rows out as CSV or JSON for analysis elsewhere."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TextIO

from bot.services import Services
from storage import deals, fieldnotes, promises

Row = dict[str, Any]
Exporter = Callable[[Services], Iterable[Row]]


def note_rows(services: Services) -> Iterable[Row]:
    for note in fieldnotes.all_notes(services.db):
        yield {
            "id": note.id,
            "team_id": note.team_id,
            "author_id": note.author_id,
            "account": note.account or "",
            "text": note.text,
            "tags": " ".join(note.tag_names),
            "channel_id": note.channel_id or "",
            "created_at": note.created_at,
        }


def promise_rows(services: Services) -> Iterable[Row]:
    for promise in promises.all_promises(services.db):
        yield {
            "id": promise.id,
            "team_id": promise.team_id,
            "owner_id": promise.owner_id,
            "account": promise.account or "",
            "text": promise.text,
            "due_on": promise.due_on.isoformat(),
            "rollout_key": promise.rollout_key or "",
            "status": promise.status,
            "at_risk": promise.at_risk,
            "created_at": promise.created_at,
            "kept_at": promise.kept_at or "",
            "broken_at": promise.broken_at or "",
            "broken_reason": promise.broken_reason or "",
        }


def deal_rows(services: Services) -> Iterable[Row]:
    """One row per recorded outcome, with the rep's reason and evidence when answered.

    Columns that mean what an import column means carry its name, so an exported file
    can be imported again (into another database, say); the import ignores the rest.
    """
    for closure in deals.all_closures(services.db):
        deal, answer = closure.deal, closure.answer
        yield {
            "closure_id": closure.id,
            "team_id": closure.team_id,
            "deal_id": deal.deal_id,
            "name": deal.name,
            "account": deal.account or "",
            "amount": str(deal.amount) if deal.amount is not None else "",
            "currency": deal.currency or "",
            "outcome": closure.outcome,
            "owner_slack_id": closure.owner_id or "",
            "owner_email": deal.owner_email or "",
            "closed_at": closure.closed_at,
            "recorded_at": closure.created_at,
            "prompted_at": closure.prompted_at or "",
            "escalated_at": closure.escalated_at or "",
            "superseded_at": closure.superseded_at or "",
            "reason": answer.reason if answer else "",
            "competitor": (answer.competitor or "") if answer else "",
            "customer_said": answer.customer_said if answer else "",
            "talked_to_customer": answer.talked_to_customer if answer else "",
            "marketing_note": (answer.marketing_note or "") if answer else "",
            "answered_by": answer.answered_by if answer else "",
            "answered_at": answer.answered_at if answer else "",
        }


def exporters() -> dict[str, Exporter]:
    """What can be exported, by the name given on the command line."""
    return {"notes": note_rows, "promises": promise_rows, "deals": deal_rows}


def write_rows(rows: Iterable[Row], fmt: str, out: TextIO) -> int:
    """Write rows as CSV (header from the first row) or a JSON array; returns the count."""
    count = 0
    if fmt == "json":
        out.write("[")
        for count, row in enumerate(rows, start=1):
            out.write(("\n" if count == 1 else ",\n") + json.dumps(_plain(row)))
        out.write("\n]\n" if count else "]\n")
        return count
    writer: csv.DictWriter | None = None
    for row in rows:
        if writer is None:
            writer = csv.DictWriter(out, fieldnames=list(row))
            writer.writeheader()
        writer.writerow(_plain(row))
        count += 1
    return count


def _plain(row: Row) -> Row:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()}
