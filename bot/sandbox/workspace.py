"""The sandbox's demo workspace: five people, two channels, and how their ids read.

Everything Slack shows names people and channels by id (`<@U0ALICE01>`); the
sandbox prints and takes names instead, so both directions live here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TEAM = "T0SANDBOX"


@dataclass(frozen=True)
class Person:
    name: str
    user_id: str
    tz: str
    is_admin: bool = False

    @property
    def email(self) -> str:
        return f"{self.name}@example.com"


PEOPLE = (
    Person("alice", "U0ALICE01", "America/New_York"),
    Person("erin", "U0ERIN001", "Europe/Berlin"),
    Person("bob", "U0BOB0001", "America/New_York"),
    Person("carol", "U0CAROL01", "America/New_York"),
    Person("dana", "U0DANA001", "America/New_York", is_admin=True),
)
CHANNELS = {"sales": "C0SALES01", "marketing": "C0MARKET1"}
MEMBERS = {"sales": ("alice", "erin", "bob", "dana"), "marketing": ("carol", "dana")}
MANAGER, REPS = "bob", ("alice", "erin")
ADMIN = "dana"

BY_NAME = {person.name: person for person in PEOPLE}
BY_ID = {person.user_id: person for person in PEOPLE}
CHANNEL_NAMES = {channel_id: name for name, channel_id in CHANNELS.items()}

MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


def name_of(user_id: str) -> str:
    """A person's name, or the id itself for someone outside the demo (the bot, a stranger)."""
    person = BY_ID.get(user_id)
    return person.name if person else user_id


def mention(name: str) -> str:
    """What Slack puts in an escaped command's text when someone types `@name`."""
    person = BY_NAME[name]
    return f"<@{person.user_id}|{person.name}>"


def with_mentions(text: str) -> str:
    """Typed `@bob` and `#marketing` become Slack's `<@U…|bob>` and `<#C…|marketing>`, as
    Slack escapes them in a `should_escape` command before the bot sees them."""
    text = re.sub(
        r"(?<![<\w])@([a-z]+)\b",
        lambda m: mention(m.group(1)) if m.group(1) in BY_NAME else m.group(0),
        text,
    )
    return re.sub(
        r"(?<![<\w])#([a-z]+)\b",
        lambda m: (
            f"<#{CHANNELS[m.group(1)]}|{m.group(1)}>" if m.group(1) in CHANNELS else m.group(0)
        ),
        text,
    )
