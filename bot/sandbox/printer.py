"""Printing what the sandbox showed: coloured on a terminal (rich), plain text otherwise.

Plain output is what scripts, tests and the README read, so it carries no escape
codes; `*bold*` is printed without its stars in both.
"""

from __future__ import annotations

import re
from typing import TextIO

from rich.console import Console
from rich.markup import escape

from bot.sandbox.surface import Surface
from bot.sandbox.text import Line, surface_lines

BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")
ITALIC = re.compile(r"(?<![\w_])_([^_\n]+)_(?![\w_])")
STYLES = {
    "header": "bold",
    "context": "dim",
    "button": "bold cyan",
    "input": "yellow",
    "divider": "dim",
    "field": "",
    "text": "",
}


class Printer:
    """Writes surfaces under their `── where ──` headers, notes, and failures."""

    def __init__(self, out: TextIO, err: TextIO, *, colour: bool | None = None) -> None:
        self._out, self._err = out, err
        self._colour = out.isatty() if colour is None else colour
        self._console = Console(file=out, force_terminal=self._colour, highlight=False)

    def surface(self, surface: Surface) -> None:
        where = surface.where + (" (updated)" if surface.updated else "")
        self._write(f"── {where} ──", "bold magenta")
        for line in surface_lines(surface):
            self._line(line)
        self._out.write("\n")

    def note(self, text: str) -> None:
        self._write(text, "dim")

    def failure(self, text: str) -> None:
        """On standard error, so a script's output stays what Slack showed."""
        self._out.flush()
        if self._colour:
            Console(file=self._err, force_terminal=True).print(f"[bold red]{escape(text)}[/]")
        else:
            self._err.write(text + "\n")

    def _line(self, line: Line) -> None:
        indent = "  " if line.style != "header" else ""
        if not self._colour:
            self._out.write(indent + ITALIC.sub(r"\1", BOLD.sub(r"\1", line.text)) + "\n")
            return
        marked = BOLD.sub(r"[bold]\1[/bold]", escape(line.text))
        marked = ITALIC.sub(r"[italic]\1[/italic]", marked)
        style = STYLES.get(line.style, "")
        self._console.print(indent + (f"[{style}]{marked}[/]" if style else marked))

    def _write(self, text: str, style: str) -> None:
        if self._colour:
            self._console.print(f"[{style}]{escape(text)}[/]")
        else:
            self._out.write(text + "\n")
