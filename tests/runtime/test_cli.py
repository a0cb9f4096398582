"""The `perspective` command line on its own: a fresh SQLite file, and CSV exports whose
values survive commas, quotes and line breaks."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bot.runtime.cli import main as perspective
from bot.slack.fake import FakeSlack, FakeSlackServer
from storage import fieldnotes
from tests.support.bot import REP, TEAM, RunningBot
from tests.support.cli import InProcessCli
from tests.support.deals import use_cli
from tests.support.fieldnotes import fieldnote
from tests.support.promises import only_promise, promise_cmd


def exported_csv(kind: str, tmp_path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Run `perspective export KIND --format csv --output FILE`; the header and the rows."""
    out = tmp_path / f"{kind}.csv"
    assert perspective(["export", kind, "--format", "csv", "--output", str(out)]) == 0
    with out.open(newline="", encoding="utf-8") as csv_file:
        reader = csv.DictReader(csv_file)
        return list(reader.fieldnames or ()), list(reader)


def test_tick_on_a_fresh_sqlite_file_migrates_it_first(
    cli: InProcessCli, tmp_path: Path, fake: FakeSlack, fake_slack_server: FakeSlackServer
) -> None:
    """The zero-setup default needs no `db upgrade` before a cron-run tick, as for `serve`."""
    env = {"SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_API_URL": fake_slack_server.api_url}
    ticked = cli(["tick", "--now", "2026-11-23T15:00:00Z"], env, tmp_path)
    assert ticked.returncode == 0, ticked.stderr
    assert "Traceback" not in ticked.stderr
    assert ticked.stdout.startswith("tick at 2026-11-23T15:00:00+00:00: ran ")
    assert ticked.stdout.endswith(" jobs, 0 failed\n")
    exported = cli(["export", "notes"], env, tmp_path)
    assert (exported.returncode, exported.stderr) == (0, "exported 0 notes\n")


def test_notes_export_as_csv(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fieldnote(bot, '[Acme, Inc.] CFO said "per seat, never"\nthen left #pricing #competitor:gong')
    [note] = fieldnotes.search_notes(bot.db, TEAM, [], 10).notes
    use_cli(bot, monkeypatch, tmp_path)

    header, [row] = exported_csv("notes", tmp_path)
    assert header == [
        "id", "team_id", "author_id", "account", "text", "tags", "channel_id", "created_at",
    ]  # fmt: skip
    assert row == {
        "id": str(note.id),
        "team_id": TEAM,
        "author_id": REP,
        "account": "Acme, Inc.",
        "text": note.text,
        "tags": "pricing competitor:gong",
        "channel_id": note.channel_id or "",
        "created_at": note.created_at.isoformat(),
    }
    assert '"per seat, never"' in row["text"]


def test_promises_export_as_csv(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    promise_cmd(bot, 'Send the "SSO, SCIM" plan to [Acme, Inc.] by 2026-12-10', REP)
    promise = only_promise(bot)
    use_cli(bot, monkeypatch, tmp_path)

    header, [row] = exported_csv("promises", tmp_path)
    assert header == [
        "id", "team_id", "owner_id", "account", "text", "due_on", "rollout_key", "status",
        "at_risk", "created_at", "kept_at", "broken_at", "broken_reason",
    ]  # fmt: skip
    assert row == {
        "id": str(promise.id),
        "team_id": TEAM,
        "owner_id": REP,
        "account": "Acme, Inc.",
        "text": 'Send the "SSO, SCIM" plan',
        "due_on": "2026-12-10",
        "rollout_key": "",
        "status": "open",
        "at_risk": "False",
        "created_at": promise.created_at.isoformat(),
        "kept_at": "",
        "broken_at": "",
        "broken_reason": "",
    }
