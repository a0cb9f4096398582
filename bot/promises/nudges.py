"""The manager's daily nudge: at 09:00 in the manager's zone, what on their team needs them.

The nudge is composed from sections, one per feature (the team's broken and
at-risk promises, unanswered win/loss prompts). It is sent only when
at least one section has something to say, and claimed per manager per local
day (`nudge:<manager>:<date>`), so it goes out once whatever the process count.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, time
from functools import partial

from bot.deals import winloss
from bot.delivery import SEND_WORKERS, deliver_once, in_parallel, send_dm
from bot.promises import blocks as render
from bot.refusals import Refusal
from bot.services import Services
from bot.slack import mrkdwn
from bot.slack.blocks import Blocks, actions, button, context, header, section
from storage import claims, rollouts, teams
from storage import promises as store
from storage.promises import BROKEN, OPEN, Promise

NUDGE_TIME = time(9, 0)
MAX_ITEMS = 10
MAX_BLOCKS = 50
NOTHING_TO_SAY = "nothing to say"  # the claim's result for a day with no nudge

# (services, team_id, manager_id, rep_ids, now) -> Block Kit blocks; [] = nothing to say.
NudgeSection = Callable[[Services, str, str, list[str], datetime], Blocks]


def nudge_sections() -> list[NudgeSection]:
    """Every feature's part of the nudge, in the order the manager reads them."""
    return [team_commitments, winloss.manager_nudge_section]


def team_commitments(
    services: Services, team_id: str, _manager_id: str, rep_ids: list[str], now: datetime
) -> Blocks:
    """The team's broken promises, then those at risk: both lists come from one query, which
    the 09:00 tick runs for every manager."""
    trouble = store.needing_attention(services.db, team_id, rep_ids)
    broken = [p for p in trouble if p.status == BROKEN]
    at_risk = [p for p in trouble if p.status == OPEN]
    return [
        *commitment_list(services, team_id, ":x: *Broken commitments*", broken, now),
        *commitment_list(
            services, team_id, ":warning: *At risk* (a rollout they need slipped)", at_risk, now
        ),
    ]


def commitment_list(
    services: Services, team_id: str, title: str, promises: list[Promise], now: datetime
) -> Blocks:
    """A list of a team's promises (titled unless `title` is empty), each with *Remind rep*
    and *Got it* buttons."""
    if not promises:
        return []
    ships = {r.key: r.ships_on for r in rollouts.list_rollouts(services.db, team_id)}
    blocks: Blocks = [section(title)] if title else []
    for promise in promises[:MAX_ITEMS]:
        lateness = _lateness(promise, now, ships)
        blocks.append(
            section(f"{mrkdwn.user(promise.owner_id)}: {render.handle(promise)}\n{lateness}")
        )
        blocks.append(
            actions(
                button("Remind rep", render.REMIND_REP_ACTION, str(promise.id)),
                button("Got it", render.SEEN_ACTION, str(promise.id)),
                block_id=f"team_promise_{promise.id}",
            )
        )
    if len(promises) > MAX_ITEMS:
        blocks.append(context(f"…and {len(promises) - MAX_ITEMS} more in Perspective's Home tab."))
    return blocks


def _lateness(promise: Promise, now: datetime, ships: dict[str, date]) -> str:
    """How late a broken promise is, counted in the owner's days (its due day ended at
    `due_end_at` in the owner's zone), or what puts an open one at risk."""
    if promise.status == BROKEN:
        why = (
            f" — “{mrkdwn.escape(mrkdwn.excerpt(promise.broken_reason, 200))}”"
            if promise.broken_reason
            else " — not marked kept"
        )
        if now < promise.due_end_at:  # the rep said so before the day came
            return f"due {render.due(promise.due_on)}, marked broken ahead of time{why}"
        days = (now - promise.due_end_at).days + 1
        return f"was due {render.due(promise.due_on)}, *{days} day{'s' if days != 1 else ''} late*{why}"
    rollout = ships.get(promise.rollout_key or "")
    ships_on = f"; `{promise.rollout_key}` now ships {render.due(rollout)}" if rollout else ""
    handling = " — the rep is handling it" if promise.owner_handling_at else ""
    return f"due {render.due(promise.due_on)}{ships_on}{handling}"


def compose_nudge(services: Services, team_id: str, manager_id: str, now: datetime) -> Blocks:
    """The nudge's blocks, or [] when no section has anything to say."""
    rep_ids = teams.reps_of(services.db, team_id, manager_id)
    parts = [part(services, team_id, manager_id, rep_ids, now) for part in nudge_sections()]
    parts = [part for part in parts if part]
    if not parts:
        return []
    blocks: Blocks = [header("Your team today")]
    for part in parts:
        blocks.extend(part)
    if len(blocks) > MAX_BLOCKS:
        blocks = [*blocks[: MAX_BLOCKS - 1], context("More in Perspective's Home tab.")]
    return blocks


def _team_promise(
    services: Services, team_id: str, manager_id: str, promise_id: int
) -> Promise | Refusal:
    """Managers act on their reps' promises from the nudge and App Home; admins on anyone's."""
    promise = store.get_promise(services.db, team_id, promise_id)
    if promise is None:
        return Refusal(f"There is no promise #{promise_id}.")
    manager = teams.manager_of(services.db, team_id, promise.owner_id)
    if manager != manager_id and not services.is_admin(manager_id):
        return Refusal(f"Promise #{promise_id} belongs to someone outside your team.")
    return promise


def ask_owner(
    services: Services, team_id: str, manager_id: str, promise_id: int
) -> Promise | Refusal:
    """A manager's nudge to the rep: the promise again, with its buttons, in the rep's DM."""
    promise = _team_promise(services, team_id, manager_id, promise_id)
    if isinstance(promise, Refusal):
        return promise
    blocks = [
        section(f"{mrkdwn.user(manager_id)} asked about this promise: {render.handle(promise)}"),
        render.promise_buttons(promise),
    ]
    send_dm(services, promise.owner_id, blocks, f"Your manager asked about promise #{promise.id}")
    return promise


def seen_by_manager(
    services: Services, team_id: str, manager_id: str, promise_id: int
) -> Promise | Refusal:
    """The manager has seen it: it leaves their daily nudge until it changes again."""
    promise = _team_promise(services, team_id, manager_id, promise_id)
    if isinstance(promise, Refusal):
        return promise
    store.mark_seen_by_manager(services.db, team_id, promise_id, services.clock())
    return promise


def nudge_key(manager_id: str, day: date) -> str:
    return f"nudge:{manager_id}:{day.isoformat()}"


def send_manager_nudges(services: Services, now: datetime, *, any_hour: bool = False) -> int:
    """Today's nudge for every manager whose local time has reached 09:00 (or all, `any_hour`).

    Returns how many nudges were posted. A manager with nothing to hear about is
    marked done for the day without a message.
    """
    managers = teams.all_teams_and_managers(services.db)
    with ThreadPoolExecutor(max_workers=SEND_WORKERS) as pool:  # users.info, a few at a time
        zones = list(pool.map(services.directory.timezone, [m for _, m in managers]))
    due: list[tuple[str, str, str]] = []
    for (team_id, manager_id), zone in zip(managers, zones, strict=True):
        local = now.astimezone(zone)
        if any_hour or local.time() >= NUDGE_TIME:
            due.append((team_id, manager_id, nudge_key(manager_id, local.date())))
    done = claims.done_keys(services.db, [key for _, _, key in due])
    todo = [item for item in due if item[2] not in done]
    return in_parallel(services, partial(_nudge_once, services, now), todo)


def _nudge_once(services: Services, now: datetime, item: tuple[str, str, str]) -> bool:
    """Claim and send one manager's nudge; True only when a message was posted."""
    team_id, manager_id, key = item
    send = partial(_send_nudge, services, team_id, manager_id, now)
    if not deliver_once(services, team_id, key, now, send):
        return False
    return claims.result_of(services.db, key) != NOTHING_TO_SAY


def _send_nudge(services: Services, team_id: str, manager_id: str, now: datetime) -> str:
    blocks = compose_nudge(services, team_id, manager_id, now)
    if not blocks:
        return NOTHING_TO_SAY
    return send_dm(
        services,
        manager_id,
        blocks,
        "Your team's broken and at-risk commitments, and overdue win/loss reasons",
    )


def nudge_job(services: Services, now: datetime) -> None:
    """Scheduler job wrapper (jobs return nothing)."""
    send_manager_nudges(services, now)
