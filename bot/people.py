"""The people an admin names in a command, read as they type them.

`/perspective` escapes mentions, so a person picked from Slack's list arrives as
`<@U123|bob>`; one typed by hand arrives as `bob` or `@bob`. A plain name is looked up
among the workspace's members (handle or display name) and taken only when exactly one
member has it: an ambiguous or unknown name is refused, saying how to write it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.refusals import Refusal
from bot.slack import mrkdwn
from bot.slack.mentions import user_id

Finder = Callable[[str], list[str]]  # a name → the ids of the members who have it
NAME = re.compile(r"^@?[\w.'’-]{1,80}$")
MAX_LISTED = 5


def read_person(word: str, find: Finder, example: str) -> str | Refusal:
    """A mention, a raw id or a unique name → that member's id; otherwise how to write it."""
    found = user_id(word)
    if found is not None:
        return found
    if not NAME.match(word):
        shown = mrkdwn.escape(word[:40])
        return Refusal(f"`{shown}` isn't a person. Mention people with @, e.g. {example}")
    shown = mrkdwn.escape(word.lstrip("@")[:40])
    matches = find(word)
    if len(matches) == 1:
        return matches[0]
    if not matches:
        return Refusal(
            f"Nobody in this workspace is called `{shown}`. Mention them with @ and pick "
            f"them from Slack's list, e.g. {example}"
        )
    people = ", ".join(mrkdwn.user(person) for person in matches[:MAX_LISTED])
    return Refusal(
        f"`{shown}` could be {people}. Mention the one you mean with @ and pick them "
        f"from Slack's list, e.g. {example}"
    )


def read_people(words: list[str], find: Finder, example: str) -> list[str] | Refusal:
    """Each word as a person, in order; the first word that isn't one refuses them all."""
    people: list[str] = []
    for word in words:
        person = read_person(word, find, example)
        if isinstance(person, Refusal):
            return person
        people.append(person)
    return people
