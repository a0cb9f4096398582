"""Long CLI work shows how far it is: a bar on a terminal, plain lines in a log."""

from __future__ import annotations

import io

import pytest

from bot.runtime.progress import progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_pipe_progress_is_a_plain_line_now_and_then(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert list(progress(range(25), "importing deals", total=25, every=10)) == list(range(25))
    assert capsys.readouterr().err.splitlines() == [
        "importing deals 10 of 25",
        "importing deals 20 of 25",
    ]


def test_on_a_terminal_progress_is_a_bar_on_standard_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert list(progress(iter(range(5)), "exporting notes")) == list(range(5))
    assert "exporting notes" in terminal.getvalue()
