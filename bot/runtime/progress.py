"""Progress for long CLI work: a bar on a terminal, a plain line now and then on a pipe.

The bar and the lines go to standard error, so `perspective export notes > notes.csv`
still writes only the data to standard output.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from typing import Any, TypeVar

from rich.console import Console
from rich.progress import track

Item = TypeVar("Item")
EVERY = 10_000  # rows between plain progress lines when standard error is not a terminal


def progress(
    items: Iterable[Item], what: str, total: int | None = None, every: int = EVERY
) -> Iterator[Item]:
    """`items`, passed through while a bar (or, in a log, a line every `every`) says how far."""
    if sys.stderr.isatty():
        console = Console(stderr=True)
        yield from track(items, description=what, total=total, console=console, transient=True)
        return
    for count, item in enumerate(items, start=1):
        yield item
        if count % every == 0:
            of = f" of {total:,}" if total is not None else ""
            print(f"{what} {count:,}{of}", file=sys.stderr, flush=True)


def working(what: str) -> AbstractContextManager[Any]:
    """A spinner on a terminal while one long step runs (a migration, a digest); else nothing."""
    if sys.stderr.isatty():
        return Console(stderr=True).status(what)
    return contextlib.nullcontext()
