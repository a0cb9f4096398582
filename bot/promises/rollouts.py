"""Rollouts: admins add and move launch dates; a slip warns every promise that needs it.

The warning is the point of this feature: when a rollout moves past a
promise's due date, the rep and their manager hear it at once, before the
customer does. Alerts are sent through claims, one per promise and one per
manager per move, and retried by the scheduler until each went out once.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial

from bot.delivery import deliver_once, send_dm
from bot.promises import blocks as render
from bot.promises import dates
from bot.promises.blocks import (
    DATE_INPUT,
    KEY_INPUT,
    MAX_TITLE_CHARS,
    ROLLOUT_INPUT,
    TITLE_INPUT,
)
from bot.promises.rules import LAST_ZONE
from bot.refusals import Refusal
from bot.services import Services
from bot.slack.blocks import Blocks, day
from bot.slack.mentions import split_words
from storage import claims, rollouts, teams
from storage.promises import OPEN, Promise
from storage.rollouts import MoveOutcome, Rollout, RolloutMove

KEY = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
ADD_EXAMPLE = '`/perspective rollout add sso "SSO integration" end of quarter`'
MOVE_EXAMPLE = "`/perspective rollout move sso in 6 weeks`"
USAGE = (
    f"Rollouts: {ADD_EXAMPLE}, {MOVE_EXAMPLE}, `/perspective rollout list`. "
    f"Dates: {dates.EXAMPLES}."
)


@dataclass(frozen=True)
class AddRollout:
    key: str
    title: str
    phrase: str


@dataclass(frozen=True)
class MoveRollout:
    key: str
    phrase: str


@dataclass(frozen=True)
class ListRollouts:
    pass


@dataclass(frozen=True)
class OpenAddForm:
    """`rollout add` alone: the form with a date picker instead."""


@dataclass(frozen=True)
class OpenMoveForm:
    """`rollout move` alone: the form with a rollout select and a date picker instead."""


@dataclass(frozen=True)
class NewRollout:
    """A rollout read from the add form, checked and ready to store."""

    key: str
    title: str
    ships_on: date


@dataclass(frozen=True)
class Reschedule:
    """A move read from the move form, checked and ready to store."""

    key: str
    ships_on: date


RolloutCommand = AddRollout | MoveRollout | ListRollouts | OpenAddForm | OpenMoveForm | Refusal
KEY_RULE = "Use lower-case letters, digits, . - or _ (reps type it as needs:sso)"


def read_command(text: str) -> RolloutCommand:
    words = split_words(text)
    if words is None:
        return Refusal(f"A quote is left open. Put the title in double quotes, e.g. {ADD_EXAMPLE}")
    if not words:
        return Refusal(USAGE)
    action, rest = words[0].lower(), words[1:]
    if action == "list" and not rest:
        return ListRollouts()
    if action == "add" and not rest:
        return OpenAddForm()
    if action == "move" and not rest:
        return OpenMoveForm()
    if action == "add":
        if len(rest) < 3:
            return Refusal(f"Give a key, a title in quotes and a date, e.g. {ADD_EXAMPLE}")
        return _keyed(AddRollout(rest[0].lower(), rest[1].strip(), " ".join(rest[2:])))
    if action == "move":
        if len(rest) < 2:
            return Refusal(f"Give the key and the new date, e.g. {MOVE_EXAMPLE}")
        return _keyed(MoveRollout(rest[0].lower(), " ".join(rest[1:])))
    return Refusal(f"`{words[0][:40]}` isn't a rollout command. {USAGE}")


def _keyed(command: AddRollout | MoveRollout) -> RolloutCommand:
    if not KEY.match(command.key):
        return Refusal(
            f"`{command.key[:64]}` can't be a rollout key. {KEY_RULE}, e.g. {ADD_EXAMPLE}"
        )
    if isinstance(command, AddRollout) and not 0 < len(command.title) <= MAX_TITLE_CHARS:
        return Refusal(
            f"Give the rollout a title of up to {MAX_TITLE_CHARS} characters, e.g. {ADD_EXAMPLE}"
        )
    return command


def _date(services: Services, user_id: str, phrase: str, example: str) -> date | Refusal:
    today = dates.local_today(services.clock(), services.directory.timezone(user_id))
    ships_on = dates.parse_due_date(phrase, today)
    if ships_on is None:
        return Refusal(
            f"I couldn't read `{phrase[:60]}` as a date. Try {dates.EXAMPLES}, e.g. {example}"
        )
    if ships_on < today:
        return Refusal(f"{day(ships_on)} is in the past; give the date it will ship.")
    return ships_on


def today_for(services: Services, user_id: str) -> date:
    """Today in the person's own zone: where the forms' date pickers start, and what a
    reminder's "tomorrow" counts from."""
    return dates.local_today(services.clock(), services.directory.timezone(user_id))


def picked_date(services: Services, user_id: str, picked: date | None) -> date | Refusal:
    """A date from a form's picker, checked inside the form's ack, where Slack may not be
    asked: past in the admin's own zone when Slack's answer about them is cached (opening the
    form cached it), else only when past in every zone."""
    if picked is None:
        return Refusal("Pick the date it ships.", field=DATE_INPUT)
    known = services.directory.knows(user_id)
    zone = services.directory.timezone(user_id) if known else LAST_ZONE
    if picked < dates.local_today(services.clock(), zone):
        return Refusal(
            f"{day(picked)} is in the past; pick the date it will ship.", field=DATE_INPUT
        )
    return picked


def read_add_form(
    services: Services, team_id: str, user_id: str, key: str, title: str, picked: date | None
) -> NewRollout | Refusal:
    """The add form as a rollout, or the refusal shown under its input: a key reps can type
    and nobody has taken, a title, a date that is not past (local reads only)."""
    key = key.lower()
    if not key:
        return Refusal("Give the rollout a key reps can type, e.g. sso.", field=KEY_INPUT)
    if not KEY.match(key):
        return Refusal(f"{KEY_RULE}.", field=KEY_INPUT)
    if not title:
        return Refusal("Give the rollout a title.", field=TITLE_INPUT)
    if len(title) > MAX_TITLE_CHARS:
        return Refusal(f"Keep the title under {MAX_TITLE_CHARS} characters.", field=TITLE_INPUT)
    if rollouts.get_rollout(services.db, team_id, key) is not None:
        return Refusal(f"Rollout {key} exists already: move it instead.", field=KEY_INPUT)
    ships_on = picked_date(services, user_id, picked)
    if isinstance(ships_on, Refusal):
        return ships_on
    return NewRollout(key, title, ships_on)


def read_move_form(
    services: Services, team_id: str, user_id: str, key: str | None, picked: date | None
) -> Reschedule | Refusal:
    """The move form as a move, or the refusal shown under its input: a rollout that exists
    and a new date that is not past."""
    if key is None:
        return Refusal("Pick the rollout.", field=ROLLOUT_INPUT)
    rollout = rollouts.get_rollout(services.db, team_id, key)
    if rollout is None:
        return Refusal(f"There is no rollout {key[:64]} any more.", field=ROLLOUT_INPUT)
    ships_on = picked_date(services, user_id, picked)
    if isinstance(ships_on, Refusal):
        return ships_on
    if ships_on == rollout.ships_on:
        return Refusal(
            f"{key} already ships {day(ships_on)}; pick another date.",
            field=DATE_INPUT,
        )
    return Reschedule(key, ships_on)


def add(services: Services, team_id: str, user_id: str, command: AddRollout) -> Rollout | Refusal:
    ships_on = _date(services, user_id, command.phrase, ADD_EXAMPLE)
    if isinstance(ships_on, Refusal):
        return ships_on
    return store_new(services, team_id, user_id, NewRollout(command.key, command.title, ships_on))


def store_new(services: Services, team_id: str, user_id: str, new: NewRollout) -> Rollout | Refusal:
    """The stored rollout, or the refusal when its key is taken (by another admin, meanwhile)."""
    rollout = rollouts.add_rollout(
        services.db, team_id, new.key, new.title, new.ships_on, user_id, services.clock()
    )
    if rollout is None:
        return Refusal(
            f"Rollout `{new.key}` exists already. To change its date: "
            f"`/perspective rollout move {new.key} <date>`.",
            field=KEY_INPUT,
        )
    return rollout


def move(
    services: Services, team_id: str, user_id: str, command: MoveRollout
) -> MoveOutcome | Rollout | Refusal:
    """Move the date, then tell owners and managers at once (the tick retries what failed);
    the rollout untouched when it already ships on that date."""
    ships_on = _date(services, user_id, command.phrase, MOVE_EXAMPLE)
    if isinstance(ships_on, Refusal):
        return ships_on
    outcome = reschedule(services, team_id, user_id, Reschedule(command.key, ships_on))
    if outcome is None:
        return Refusal(
            f"There is no rollout `{command.key}`. `/perspective rollout list` shows them; "
            f"add one with {ADD_EXAMPLE}"
        )
    if isinstance(outcome, MoveOutcome):
        announce(services, outcome.move)
    return outcome


def reschedule(
    services: Services, team_id: str, user_id: str, change: Reschedule
) -> MoveOutcome | Rollout | None:
    """Store the move and the promises it puts at risk, without telling anyone yet (the move
    form does this in its ack); `announce` sends the alerts."""
    now = services.clock()
    return rollouts.move_rollout(services.db, team_id, change.key, change.ships_on, user_id, now)


def announce(services: Services, move: RolloutMove) -> None:
    """Tell owners and managers of the move at once; the tick retries what failed."""
    if move.notified_at is None:
        alert_move(services, move, services.clock())


def stored_move(services: Services, move_id: int) -> RolloutMove | None:
    return rollouts.get_move(services.db, move_id)


def alert_move(services: Services, move: RolloutMove, now: datetime) -> bool:
    """Send every alert of a move that has not gone out yet; True when all of them have."""
    at_risk = [
        p for p in rollouts.promises_put_at_risk_by(services.db, move.id) if p.status == OPEN
    ]
    keys = [f"rollout-risk:{move.id}:{p.id}" for p in at_risk]
    for key, promise in zip(keys, at_risk, strict=True):
        blocks = render.risk_alert(promise, move)
        _alert(
            services,
            move,
            key,
            now,
            promise.owner_id,
            blocks,
            "A rollout slipped past your promise",
        )
    by_manager: dict[str, list[Promise]] = defaultdict(list)
    for promise in at_risk:
        manager = teams.manager_of(services.db, move.team_id, promise.owner_id)
        if manager is not None:
            by_manager[manager].append(promise)
    for manager, team_promises in by_manager.items():
        key = f"rollout-risk-manager:{move.id}:{manager}"
        keys.append(key)
        blocks = render.manager_risk_alert(move, team_promises)
        _alert(services, move, key, now, manager, blocks, "Promises at risk on your team")
    finished = len(claims.done_keys(services.db, keys)) == len(keys)
    if finished:
        rollouts.mark_notified(services.db, move.id, now)
    return finished


def _alert(
    services: Services,
    move: RolloutMove,
    key: str,
    now: datetime,
    user_id: str,
    blocks: Blocks,
    text: str,
) -> None:
    """One alert of a move, claimed by `key` so it goes out once."""
    deliver_once(
        services, move.team_id, key, now, partial(send_dm, services, user_id, blocks, text)
    )


def retry_alerts(services: Services, now: datetime) -> None:
    """Scheduler job: moves whose alerts did not all go out (Slack failed, process died)."""
    for move in rollouts.unnotified_moves(services.db):
        alert_move(services, move, now)


def all_rollouts(services: Services, team_id: str) -> list[Rollout]:
    return rollouts.list_rollouts(services.db, team_id)


def rollout_named(services: Services, team_id: str, key: str) -> Rollout | None:
    return rollouts.get_rollout(services.db, team_id, key)


def rollout_for(services: Services, promise: Promise) -> Rollout | None:
    """The rollout a promise needs, if it names one."""
    if not promise.rollout_key:
        return None
    return rollouts.get_rollout(services.db, promise.team_id, promise.rollout_key)
