"""Every command parser, fed anything a person could type: no exception escapes, each
input is read faithfully or refused with a message saying how to write it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot import teams
from bot.deals import commands as deal_commands
from bot.digests import subscriptions
from bot.fieldnotes import rules as fieldnotes
from bot.promises import commands as promise_commands
from bot.promises import dates, rollouts
from bot.refusals import Refusal
from storage.fieldnotes import NewNote

NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)


def nobody(_name: str) -> list[str]:
    """A workspace where no plain name matches anyone."""
    return []


# What people type into these commands: words, the syntax characters, Slack's own markup.
PIECES = [
    "[", "]", "#", "@", "<", ">", "|", "\"", "'", ":", "$", ",", ".", "-", "  ", "\n",
    "Acme", "[Acme Corp]", "#pricing", "#competitor:gong", "<@U0REP0001>", "<@U0MGR0001|bob>",
    "<#C0MKT0001|marketing>", "<!channel>", "&lt;", "by", "to", "friday", "tomorrow",
    "2026-12-15", "in 2 weeks", "needs:sso", "search", "delete", "mine", "help", "kept",
    "broken", "move", "snooze", "list", "add", "daily", "weekly", "09:00", "9am",
    "Europe/Berlin", "always", "12", "#12", "90d", "12w", "$48,000", "48k", "EUR", "ü", "😀",
]  # fmt: skip
typed = st.lists(st.sampled_from(PIECES) | st.text(max_size=6), max_size=12).map(" ".join)
PARSERS = {
    "/fieldnote": fieldnotes.read_command,
    "/promise": promise_commands.read_command,
    "rollout": rollouts.read_command,
    "team": lambda text: teams.read_command(text, nobody),
    "marketers": lambda text: teams.read_marketers(text, nobody),
    "digest add": lambda text: subscriptions.parse_add(text, "UTC"),
    "deal won": lambda text: deal_commands.read_closed_deal(text, "won", "U0REP0001", nobody),
    "deal assign": lambda text: deal_commands.read_assign(text, nobody),
    "deal stats": deal_commands.read_period,
    "due date": lambda text: dates.parse_due_date(text, date(2026, 12, 2)),
}


def refused_well(result: Any) -> bool:
    return not isinstance(result, Refusal) or bool(result.message.strip())


@settings(max_examples=300, deadline=None)
@given(text=typed, parser=st.sampled_from(sorted(PARSERS)))
def test_no_parser_raises_and_every_refusal_says_something(text: str, parser: str) -> None:
    assert refused_well(PARSERS[parser](text))


@settings(max_examples=500, deadline=None)
@given(text=typed)
def test_a_note_keeps_every_word_it_was_given(text: str) -> None:
    services: Any = SimpleNamespace(clock=lambda: NOW)
    note = fieldnotes.parse_note(services, "T0001", "U0REP0001", "C0SALES01", text)
    if isinstance(note, Refusal):
        assert note.message.strip()
        return
    assert isinstance(note, NewNote)
    for tag in note.tags:
        assert "#" + tag in text.lower()
    if note.account is not None:
        assert " ".join(note.account.split()) in " ".join(text.split())
    kept = " ".join(filter(None, [note.account, note.text]))
    for word in text.split():
        if not set(word) & set("[]#"):
            assert word in kept, (word, note)


def test_a_promise_command_missing_its_words_is_shown_with_the_rep_own_number() -> None:
    refused = promise_commands.read_command("broken 3")
    assert isinstance(refused, Refusal)
    assert "`/promise broken 3 the customer moved the go-live`" in refused.message
    moved = promise_commands.read_command("move 7")
    assert isinstance(moved, Refusal) and "`/promise move 7 next friday`" in moved.message
