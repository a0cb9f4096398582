"""Teams: who reports to whom, set by admins with `/perspective team @manager @rep …`
or with the team form (a manager picker and a reps picker)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.people import Finder, read_people
from bot.refusals import Refusal
from bot.services import Services
from bot.slack.blocks import context, input_block, modal, multi_users_select, section, users_select
from storage import teams

EXAMPLE = "`/perspective team @manager @rep1 @rep2`"
TEAM_FORM = "team_form"
MANAGER_INPUT, REPS_INPUT = "manager", "reps"


@dataclass(frozen=True)
class Assign:
    manager_id: str
    rep_ids: list[str]


@dataclass(frozen=True)
class Show:
    manager_id: str


@dataclass(frozen=True)
class OpenForm:
    """`/perspective team` alone: the form with pickers instead."""


def read_command(text: str, find: Finder) -> Assign | Show | OpenForm | Refusal:
    """`@manager @rep …` (or plain names: `bob alice`) assigns; the manager alone shows that
    team; nothing opens the form. `find` looks a plain name up among the members."""
    words = text.split()
    if not words:
        return OpenForm()
    people = read_people(words, find, EXAMPLE)
    if isinstance(people, Refusal):
        return people
    manager, *reps = people
    if not reps:
        return Show(manager)
    if manager in reps:
        return Refusal(
            f"A manager can't report to themselves; list only their reps, e.g. {EXAMPLE}"
        )
    return Assign(manager, list(dict.fromkeys(reps)))


def team_form(metadata: str = "") -> dict[str, Any]:
    """The team form: `metadata` is the channel to confirm in ("" for a DM)."""
    blocks = [
        section("Pick a manager and the reps who report to them."),
        input_block(MANAGER_INPUT, "Manager", users_select(placeholder="Who manages the team?")),
        input_block(REPS_INPUT, "Reps", multi_users_select(placeholder="Who reports to them?")),
        context(
            "A rep on another team moves to this one. The manager gets a daily nudge at 09:00 "
            "about their reps' broken and at-risk commitments."
        ),
    ]
    return modal(TEAM_FORM, "Set up a team", blocks, metadata=metadata)


def read_form(manager: str | None, reps: list[str]) -> Assign | Refusal:
    """The team form's pickers as an assignment, or the refusal shown under the picker."""
    if manager is None:
        return Refusal("Pick the manager.", field=MANAGER_INPUT)
    if not reps:
        return Refusal("Pick at least one rep.", field=REPS_INPUT)
    if manager in reps:
        return Refusal(
            "The manager can't be one of their own reps: take them out of Reps.",
            field=REPS_INPUT,
        )
    return Assign(manager, list(dict.fromkeys(reps)))


def assign(services: Services, team_id: str, command: Assign) -> dict[str, str | None]:
    """Assign the reps; returns each rep's previous manager (None if they had none)."""
    before = {rep: teams.manager_of(services.db, team_id, rep) for rep in command.rep_ids}
    teams.assign_reps(services.db, team_id, command.manager_id, command.rep_ids)
    return before


def reps(services: Services, team_id: str, manager_id: str) -> list[str]:
    return teams.reps_of(services.db, team_id, manager_id)
