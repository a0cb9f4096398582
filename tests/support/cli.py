"""The perspective command line, run as a real process or in the test's own process."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.runtime.cli import main

# Settings the test process may carry that a command run for a test must not see.
SETTINGS_PREFIXES = ("SLACK_", "DATABASE_", "PORT")


def run_cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    """`python -m bot.runtime.cli ARGS` in a process of its own, as cron or a shell runs it."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(SETTINGS_PREFIXES)}
    return subprocess.run(
        [sys.executable, "-m", "bot.runtime.cli", *args],
        env={**clean, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


@dataclass(frozen=True)
class Ran:
    """What a command run in-process left: its exit code and what it printed."""

    returncode: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class InProcessCli:
    """`perspective ARGS` through `main()`, with only the settings given, in a folder.

    For tests of what a command prints and returns: starting an interpreter and
    importing the bot costs a second or more a command, which only the process
    tests need to pay.
    """

    monkeypatch: pytest.MonkeyPatch
    capsys: pytest.CaptureFixture[str]

    def __call__(self, args: list[str], env: dict[str, str], cwd: Path) -> Ran:
        for name in list(os.environ):
            if name.startswith(SETTINGS_PREFIXES):
                self.monkeypatch.delenv(name)
        for name, value in env.items():
            self.monkeypatch.setenv(name, value)
        self.monkeypatch.chdir(cwd)
        self.capsys.readouterr()
        try:
            code = main(args)
        except SystemExit as exit_:  # argparse exits for --help and usage errors
            code = exit_.code if isinstance(exit_.code, int) else 1
        out, err = self.capsys.readouterr()
        return Ran(code, out, err)
