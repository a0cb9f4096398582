"""Teams: who reports to whom, set by admins with `/perspective team @manager @rep …`."""

from __future__ import annotations

from dataclasses import dataclass

from bot.refusals import Refusal
from bot.services import Services
from bot.slack.mentions import user_id
from storage import teams

EXAMPLE = "`/perspective team @manager @rep1 @rep2`"


@dataclass(frozen=True)
class Assign:
    manager_id: str
    rep_ids: list[str]


@dataclass(frozen=True)
class Show:
    manager_id: str


def read_command(text: str) -> Assign | Show | Refusal:
    """`@manager @rep …` assigns; `@manager` alone shows that team."""
    words = text.split()
    if not words:
        return Refusal(f"Name the manager, then their reps: {EXAMPLE}")
    ids = [user_id(word) for word in words]
    unknown = [word for word, found in zip(words, ids, strict=True) if found is None]
    if unknown:
        return Refusal(f"`{unknown[0][:40]}` isn't a person. Mention people with @, e.g. {EXAMPLE}")
    manager, *reps = [found for found in ids if found is not None]
    if not reps:
        return Show(manager)
    if manager in reps:
        return Refusal(
            f"A manager can't report to themselves; list only their reps, e.g. {EXAMPLE}"
        )
    return Assign(manager, list(dict.fromkeys(reps)))


def assign(services: Services, team_id: str, command: Assign) -> dict[str, str | None]:
    """Assign the reps; returns each rep's previous manager (None if they had none)."""
    before = {rep: teams.manager_of(services.db, team_id, rep) for rep in command.rep_ids}
    teams.assign_reps(services.db, team_id, command.manager_id, command.rep_ids)
    return before


def reps(services: Services, team_id: str, manager_id: str) -> list[str]:
    return teams.reps_of(services.db, team_id, manager_id)
