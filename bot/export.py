"""`perspective export notes|promises|deals`: rows out as CSV or JSON for analysis elsewhere."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TextIO

from bot.services import Services
from storage import fieldnotes, promises

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


def exporters() -> dict[str, Exporter]:
    """What can be exported, by the name given on the command line."""
    return {"notes": note_rows, "promises": promise_rows}


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
