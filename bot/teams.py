"""Teams and roles: who reports to whom (`/perspective team @manager @rep …`, or the team
form's manager and reps pickers), who is in marketing (`/perspective marketers @…`, or anyone
in a digest channel), and so what each person is in Perspective — the Home tab and the
welcome are built from that."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.people import Finder, read_people
from bot.refusals import Refusal
from bot.services import Services
from bot.slack.blocks import context, input_block, modal, multi_users_select, section, users_select
from storage import digests, teams

EXAMPLE = "`/perspective team @manager @rep1 @rep2`"
MARKETERS_EXAMPLE = "`/perspective marketers @carol @dan`"
ADMIN, MANAGER, MARKETER, REP = "admin", "manager", "marketer", "rep"
TEAM_FORM = "team_form"
MANAGER_INPUT, REPS_INPUT = "manager", "reps"


@dataclass(frozen=True)
class Roles:
    """What one person is in Perspective; several can hold at once."""

    admin: bool
    manager: bool
    marketer: bool
    rep: bool

    @property
    def main(self) -> str:
        """The role a welcome is written for: set-up first, then the team, then marketing."""
        for role, held in ((ADMIN, self.admin), (MANAGER, self.manager), (MARKETER, self.marketer)):
            if held:
                return role
        return REP


def roles_of(services: Services, team_id: str, person: str) -> Roles:
    """Reps are on a team, managers have one (and keep their own promises), and everyone
    who is neither an admin nor in marketing captures notes like a rep."""
    admin = services.is_admin(person)
    manager = bool(teams.reps_of(services.db, team_id, person))
    marketer = is_marketer(services, team_id, person)
    on_team = teams.manager_of(services.db, team_id, person) is not None
    return Roles(
        admin=admin,
        manager=manager,
        marketer=marketer,
        rep=on_team or manager or not (admin or marketer),
    )


def is_marketer(services: Services, team_id: str, person: str) -> bool:
    if teams.is_named_marketer(services.db, team_id, person):
        return True
    return any(
        person in services.directory.members(channel)
        for channel in digest_channels(services, team_id)
    )


def digest_channels(services: Services, team_id: str) -> list[str]:
    return list(dict.fromkeys(s.channel_id for s in digests.subscriptions(services.db, team_id)))


@dataclass(frozen=True)
class NameMarketers:
    user_ids: list[str]


@dataclass(frozen=True)
class ListMarketers:
    pass


def read_marketers(text: str, find: Finder) -> NameMarketers | ListMarketers | Refusal:
    """`@carol @dan` (or plain names, each one member's) names marketers; nothing lists them."""
    words = text.split()
    if not words:
        return ListMarketers()
    people = read_people(words, find, MARKETERS_EXAMPLE)
    return people if isinstance(people, Refusal) else NameMarketers(list(dict.fromkeys(people)))


def name_marketers(services: Services, team_id: str, by: str, command: NameMarketers) -> list[str]:
    """Store them; returns those not named before."""
    return teams.add_marketers(services.db, team_id, command.user_ids, by, services.clock())


def named_marketers(services: Services, team_id: str) -> list[str]:
    return teams.named_marketers(services.db, team_id)


def memberships(services: Services, team_id: str) -> dict[str, list[str]]:
    """Every manager and their reps."""
    found: dict[str, list[str]] = {}
    for manager, rep in teams.all_memberships(services.db, team_id):
        found.setdefault(manager, []).append(rep)
    return found


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
    team; no words at all open the form. `find` looks a plain name up among the members."""
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
