"""`/promise` as typed: which subcommand the text asks for, or the refusal that says how to
type it. A mistyped subcommand is refused rather than saved as a promise."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from bot.promises import dates
from bot.refusals import Refusal

SUBCOMMANDS = ("list", "kept", "broken", "move", "snooze", "help")
EXAMPLE = "`/promise SSO support to [Acme Corp] by end of month needs:sso`"


@dataclass(frozen=True)
class Capture:
    text: str


@dataclass(frozen=True)
class ListMine:
    pass


@dataclass(frozen=True)
class Keep:
    promise_id: int


@dataclass(frozen=True)
class Break:
    promise_id: int
    reason: str


@dataclass(frozen=True)
class Move:
    promise_id: int
    phrase: str


@dataclass(frozen=True)
class Snooze:
    promise_id: int
    phrase: str


@dataclass(frozen=True)
class Help:
    pass


PromiseCommand = Capture | ListMine | Keep | Break | Move | Snooze | Help | Refusal


def read_command(text: str) -> PromiseCommand:
    """Decide what `/promise <text>` asks for; a mistyped subcommand is refused, never saved."""
    words = text.split()
    if not words:
        return Capture("")
    first, rest = words[0].lower(), words[1:]
    if first in ("help", "list") and not rest:
        return Help() if first == "help" else ListMine()
    if first in ("kept", "broken", "move", "snooze"):
        return _with_id(first, rest)
    if len(words) == 1 or difflib.get_close_matches(first, SUBCOMMANDS, n=1, cutoff=0.8):
        return _unknown_command(words[0])
    return Capture(text)


USAGE = {
    "kept": "`/promise kept {n}`",
    "broken": "`/promise broken {n} the customer moved the go-live`",
    "move": "`/promise move {n} next friday`",
    "snooze": "`/promise snooze {n}` (no reminder) or `/promise snooze {n} monday`",
}


def _with_id(command: str, rest: list[str]) -> PromiseCommand:
    if not rest or not rest[0].lstrip("#").isdigit():
        return Refusal(f"Say which promise by its number, e.g. {usage(command, 12)}.")
    promise_id, tail = int(rest[0].lstrip("#")), " ".join(rest[1:])
    if command == "kept":
        if tail:
            return Refusal(f"Just the number, e.g. {usage('kept', promise_id)}.")
        return Keep(promise_id)
    if command == "broken":
        if not tail:
            return Refusal(
                f"Say why it broke, so your manager knows: {usage(command, promise_id)}."
            )
        return Break(promise_id, tail)
    if command == "move":
        if not tail:
            return Refusal(
                f"Say the new date, e.g. {usage(command, promise_id)}. Dates: {dates.EXAMPLES}."
            )
        return Move(promise_id, tail)
    return Snooze(promise_id, tail)


def usage(command: str, promise_id: int) -> str:
    """The example with the promise the rep named, so it can be copied as it is."""
    return USAGE[command].format(n=promise_id)


def _unknown_command(word: str) -> Refusal:
    guess = difflib.get_close_matches(word.lower(), SUBCOMMANDS, n=1, cutoff=0.6)
    hint = f" Did you mean `/promise {guess[0]}`?" if guess else ""
    return Refusal(
        f"`{word[:40]}` isn't a /promise command.{hint} Commands: `list`, `kept <number>`, "
        "`broken <number> <why>`, `move <number> <date>`, `snooze <number>`, `help`. "
        f"To record a promise: {EXAMPLE}"
    )
