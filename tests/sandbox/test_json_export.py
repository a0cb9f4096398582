"""`perspective sandbox --list` and `--json NAME`: one sample payload a call, as Block Kit
Builder takes it, with no settings and no database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.sandbox import samples
from bot.slack.rules import validate_message, validate_view
from tests.support.cli import InProcessCli


@pytest.mark.parametrize("name", list(samples.SURFACES))
def test_every_sample_surface_is_what_slack_accepts(name: str) -> None:
    payload = samples.render(name)
    if payload.get("type") == "modal":
        validate_view(payload)
    else:
        validate_message({"channel": samples.REP, **payload})
    assert payload["blocks"]


def test_list_names_every_sample_surface(cli: InProcessCli, tmp_path: Path) -> None:
    listed = cli(["sandbox", "--list"], {}, tmp_path)
    assert listed.returncode == 0
    assert listed.stdout.split() == list(samples.SURFACES)


def test_json_prints_one_surface_with_no_wrapping_object(cli: InProcessCli, tmp_path: Path) -> None:
    result = cli(["sandbox", "--json", "winloss-prompt"], {}, tmp_path)
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert list(printed) == ["blocks"], "Block Kit Builder refuses any other top-level key"
    assert "closed lost. What was the real reason?" in json.dumps(printed)
    form = json.loads(cli(["sandbox", "--json", "winloss-reason-form"], {}, tmp_path).stdout)
    assert form["type"] == "modal"
    assert not list(tmp_path.iterdir()), "the export must not create a database"


def test_an_unknown_surface_is_refused_with_the_names_to_use(
    cli: InProcessCli, tmp_path: Path
) -> None:
    result = cli(["sandbox", "--json", "nudge"], {}, tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "perspective: no sandbox surface nudge; try one of: " + ", ".join(samples.SURFACES)
    )
