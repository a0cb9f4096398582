"""The sandbox language: one command a line, typed or read from `--script FILE`.

Each line reads into one dataclass; a line that is not the language is a `Refusal`
saying what the line should look like, so a script stops with a reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.refusals import Refusal
from bot.sandbox.workspace import BY_NAME, CHANNELS

SLASH_COMMANDS = ("/fieldnote", "/promise", "/perspective")

HELP = """Commands (one a line; `#` starts a comment):
  as <name>                 act as alice, erin (reps), bob (manager), carol (marketing) or dana (admin)
  /fieldnote … | /promise … | /perspective …    typed in #sales
  in #<channel> /…          typed in another channel (#sales, #marketing)
  click <number or label>   press a button on the latest message or view that has it
  set <field>: <value>      fill in the open form (options by text, dates as 2026-12-01, yes/no)
  submit | cancel           send or close the open form
  home                      open your Home tab
  shortcut <name>           a global shortcut
  say <text>                a DM to the bot
  webhook deal <json>       a closed deal from the CRM, e.g. {"deal_id": "d1", "name": "Acme",
                            "outcome": "lost", "owner_email": "alice@example.com"}
  tick <ISO instant> | +<N>d | +<N>h | +<N>m    move the clock and run the scheduler once
  help                      this help"""


@dataclass(frozen=True)
class ActAs:
    name: str


@dataclass(frozen=True)
class Slash:
    command: str
    text: str
    channel: str = "sales"


@dataclass(frozen=True)
class Click:
    target: str


@dataclass(frozen=True)
class SetField:
    label: str
    value: str


@dataclass(frozen=True)
class Submit:
    pass


@dataclass(frozen=True)
class Cancel:
    pass


@dataclass(frozen=True)
class Home:
    pass


@dataclass(frozen=True)
class Shortcut:
    name: str


@dataclass(frozen=True)
class Say:
    text: str


@dataclass(frozen=True)
class WebhookDeal:
    body: str


@dataclass(frozen=True)
class Tick:
    """Either an instant to move to or a step forward from the sandbox's clock."""

    at: datetime | None = None
    step: timedelta | None = None

    def after(self, now: datetime) -> datetime:
        return self.at if self.at is not None else now + (self.step or timedelta())


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class Nothing:
    """A blank line or a comment."""


Command = (
    ActAs | Slash | Click | SetField | Submit | Cancel | Home | Shortcut | Say | WebhookDeal
    | Tick | Help | Nothing
)  # fmt: skip

STEP = re.compile(r"^\+(\d+)([dhm])$")
UNITS = {"d": "days", "h": "hours", "m": "minutes"}
WORDS = {"submit": Submit(), "cancel": Cancel(), "home": Home(), "help": Help()}


def read_line(line: str) -> Command | Refusal:
    """What one line asks for, or a refusal that says how to write it."""
    text = line.strip()
    if not text or text.startswith("#"):
        return Nothing()
    if text.lower() in WORDS:
        return WORDS[text.lower()]
    word, _, rest = text.partition(" ")
    rest = rest.strip()
    match word.lower():
        case "as":
            return _act_as(rest)
        case "in":
            return _in_channel(rest)
        case "click":
            return Click(rest) if rest else Refusal("Say which button: `click 1` or `click Kept`.")
        case "set":
            return _set(rest)
        case "shortcut":
            return Shortcut(rest) if rest else Refusal("Say which shortcut: `shortcut <name>`.")
        case "say":
            return Say(rest) if rest else Refusal("Say what: `say hello`.")
        case "webhook":
            return _webhook(rest)
        case "tick":
            return read_tick(rest)
    if word.startswith("/"):
        return _slash(word, rest, "sales")
    return Refusal(f"`{text[:60]}` isn't a sandbox command; type `help` for the list.")


def _act_as(name: str) -> ActAs | Refusal:
    if name.lower() in BY_NAME:
        return ActAs(name.lower())
    return Refusal(f"No one called `{name}` here; try one of: {', '.join(BY_NAME)}.")


def _in_channel(rest: str) -> Slash | Refusal:
    channel, _, typed = rest.partition(" ")
    name = channel.removeprefix("#").lower()
    if not channel.startswith("#") or name not in CHANNELS:
        return Refusal(f"Write `in #sales /…` or `in #marketing /…`, not `in {channel}`.")
    word, _, text = typed.strip().partition(" ")
    return _slash(word, text.strip(), name)


def _slash(word: str, text: str, channel: str) -> Slash | Refusal:
    if word.lower() not in SLASH_COMMANDS:
        return Refusal(f"`{word[:40]}` isn't a command here; use {', '.join(SLASH_COMMANDS)}.")
    return Slash(word.lower(), text, channel)


def _set(rest: str) -> SetField | Refusal:
    label, colon, value = rest.partition(":")
    if not colon or not label.strip():
        return Refusal("Write `set <field label>: <value>`, e.g. `set Account: Acme Corp`.")
    return SetField(label.strip(), value.strip())


def _webhook(rest: str) -> WebhookDeal | Refusal:
    kind, _, body = rest.partition(" ")
    if kind != "deal" or not body.strip():
        return Refusal('Write `webhook deal {"deal_id": …, "name": …, "outcome": "lost", …}`.')
    return WebhookDeal(body.strip())


def read_tick(when: str) -> Tick | Refusal:
    """`+3d`, `+2h`, `+30m`, or an ISO-8601 instant (UTC when it names no zone)."""
    step = STEP.match(when)
    if step:
        return Tick(step=timedelta(**{UNITS[step.group(2)]: int(step.group(1))}))
    try:
        instant = datetime.fromisoformat(when)
    except ValueError:
        return Refusal("Write `tick +1d`, `tick +2h`, `tick +30m` or `tick 2026-12-01T09:00Z`.")
    return Tick(at=instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant)
