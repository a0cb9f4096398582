"""Driving the sandbox in the test's own process: lines in, what it printed out."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.runtime.sandbox import open_sandbox, run_line
from bot.sandbox.printer import Printer
from bot.sandbox.session import Sandbox

MONDAY_9AM_NEW_YORK = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)


@dataclass
class Driven:
    """A running sandbox and a `type` that returns what one line printed, or raises."""

    sandbox: Sandbox

    def type(self, line: str) -> str:
        out, err = io.StringIO(), io.StringIO()
        failure = run_line(self.sandbox, line, Printer(out, err, colour=False))
        assert failure is None, f"{line!r} failed: {failure}"
        return out.getvalue()

    def fails(self, line: str) -> str:
        failure = run_line(self.sandbox, line, Printer(io.StringIO(), io.StringIO(), colour=False))
        assert failure is not None, f"{line!r} should have failed"
        return failure


@contextmanager
def driven(start: datetime = MONDAY_9AM_NEW_YORK, database: str | None = None) -> Iterator[Driven]:
    with open_sandbox(start, database) as sandbox:
        yield Driven(sandbox)
