"""`perspective sandbox`: sample messages and forms that Slack would accept, with no setup."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.runtime import sandbox
from bot.slack.rules import validate_message, validate_view
from tests.support.cli import InProcessCli


@pytest.mark.parametrize("name", list(sandbox.SURFACES))
def test_every_sandbox_surface_is_what_slack_accepts(name: str) -> None:
    [payload] = sandbox.render([name]).values()
    if payload.get("type") == "modal":
        validate_view(payload)
    else:
        validate_message({"channel": sandbox.REP, **payload})
    assert payload["blocks"]


def test_sandbox_prints_every_surface_without_any_settings(
    cli: InProcessCli, tmp_path: Path
) -> None:
    result = cli(["sandbox"], {}, tmp_path)
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert list(printed) == list(sandbox.SURFACES)
    assert "closed lost. What was the real reason?" in json.dumps(printed["winloss-prompt"])
    assert not list(tmp_path.iterdir()), "the sandbox must not create a database"


def test_sandbox_prints_the_surfaces_asked_for(cli: InProcessCli, tmp_path: Path) -> None:
    result = cli(["sandbox", "promise-reminder", "winloss-reason-form"], {}, tmp_path)
    printed = json.loads(result.stdout)
    assert list(printed) == ["promise-reminder", "winloss-reason-form"]
    assert printed["winloss-reason-form"]["type"] == "modal"


def test_an_unknown_sandbox_surface_is_refused_with_the_names_to_use(
    cli: InProcessCli, tmp_path: Path
) -> None:
    result = cli(["sandbox", "nudge"], {}, tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "perspective: no sandbox surface nudge; try one of: " + ", ".join(sandbox.SURFACES)
    )
    listed = cli(["sandbox", "--list"], {}, tmp_path)
    assert listed.stdout.split() == list(sandbox.SURFACES)
