"""Promises: reading a new promise's text, and the rules for who may change a promise and how.

A promise is what a rep told a customer would happen by a date. Dates are the
rep's own ("friday" is Friday where the rep is); only the owner or an admin
changes a promise, and a promise never ends up in two states at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.promises import dates
from bot.promises.commands import EXAMPLE, usage
from bot.refusals import Refusal
from bot.services import Services
from bot.slack.blocks import day
from storage import promises as store
from storage import rollouts
from storage.promises import DueDateChange, NewPromise, Promise, Schedule

MAX_TEXT_CHARS = 1000
MAX_ACCOUNT_CHARS = 200
MAX_REASON_CHARS = 2000
LIST_SIZE = 15
NEEDS = re.compile(r"(?<!\S)needs:(\S*)", re.IGNORECASE)
BY = re.compile(r"\s+by\s+", re.IGNORECASE)
# UTC−12 is the last zone where each day begins: a date before today there is past everywhere.
LAST_ZONE = ZoneInfo("Etc/GMT+12")


@dataclass(frozen=True)
class PromiseDraft:
    text: str
    account: str | None
    due_on: date
    rollout_key: str | None


# ---- reading a new promise ------------------------------------------------------------------


def parse_promise(
    services: Services, team_id: str, owner_id: str, text: str
) -> PromiseDraft | Refusal:
    """`<what> [to [Account]] by <date> [needs:<rollout>]` → a draft, or what to fix."""
    needs = NEEDS.findall(text)
    if len(needs) > 1:
        return Refusal(
            f"A promise can need one rollout; write a single `needs:<key>`, e.g. {EXAMPLE}"
        )
    account = _account(" " + NEEDS.sub(" ", text))  # `[Customer]` may stand anywhere
    if isinstance(account, Refusal):
        return account
    name, rest = account
    parts = BY.split(" " + rest + " ")
    if len(parts) < 2:
        return Refusal(f"When is it due? Add `by <date>`, e.g. {EXAMPLE}. Dates: {dates.EXAMPLES}.")
    phrase = re.sub(r"\s+to$", "", parts[-1].strip(), flags=re.IGNORECASE)
    what = " ".join(" ".join(parts[:-1]).split())
    due_on = resolve_date(services, owner_id, phrase)
    if isinstance(due_on, Refusal):
        return due_on
    draft = PromiseDraft(what, name, due_on, needs[0].lower() if needs else None)
    return validate_draft(services, team_id, draft)


def _account(text: str) -> tuple[str | None, str] | Refusal:
    """The `[Account]` in the text (if any) and the promise with `to [Account]` taken out."""
    found = re.findall(r"\[([^\[\]]*)\]", text)
    stray = re.sub(r"\[[^\[\]]*\]", "", text)
    if len(found) > 1 or "[" in stray or "]" in stray:
        return Refusal(f"Put the customer in one pair of square brackets, e.g. {EXAMPLE}")
    if not found:
        return None, " ".join(text.split())
    name = " ".join(found[0].split())
    if not name:
        return Refusal(f"The brackets are empty: write the customer inside them, e.g. {EXAMPLE}")
    what = re.sub(r"(?:\s+to)?\s*\[[^\[\]]*\]", " ", text, count=1, flags=re.IGNORECASE)
    return name, " ".join(what.split())


def resolve_date(services: Services, owner_id: str, phrase: str) -> date | Refusal:
    """A due date phrase in the owner's zone; past dates and nonsense are refused."""
    today = dates.local_today(services.clock(), services.directory.timezone(owner_id))
    due_on = dates.parse_due_date(phrase, today)
    if due_on is None:
        return Refusal(
            f"I couldn't read `{phrase[:60]}` as a date. Try {dates.EXAMPLES}, e.g. {EXAMPLE}"
        )
    if due_on < today:
        return Refusal(
            f"{day(due_on)} is in the past (today is "
            f"{day(today)} for you). Pick a date from today on, e.g. "
            f"`by {today + timedelta(days=7)}`."
        )
    return due_on


def past_everywhere(services: Services, due_on: date) -> Refusal | None:
    """Refuse a date only when it is past in every time zone.

    This needs nobody's zone, so a modal's ack can run it without waiting on Slack's
    `users.info` (Slack shows the user an error when an ack takes over 3 s). The exact
    check in the owner's zone, `not_past`, runs after the modal has closed.
    """
    if due_on >= dates.local_today(services.clock(), LAST_ZONE):
        return None
    return Refusal(
        f"{day(due_on)} is in the past. Pick today or a later date.",
        field="due",
    )


def draft_from_form(
    services: Services,
    team_id: str,
    due_on: date | None,
    text: str,
    account: str | None,
    rollout_key: str | None,
) -> PromiseDraft | Refusal:
    """The capture form as a draft, or a refusal naming the input to flag.

    Only checks that never call Slack, as the form's ack runs them too (3-second rule);
    whether the date is past in the rep's own zone is `not_past`, after the form closes.
    """
    if due_on is None:
        return Refusal("Pick the date.", field="due")
    past = past_everywhere(services, due_on)
    if past is not None:
        return past
    what = " ".join(text.split())
    if not what:
        return Refusal("Write what you promised.", field="what")
    return validate_draft(services, team_id, PromiseDraft(what, account, due_on, rollout_key))


def new_date_problem(services: Services, due_on: date | None) -> Refusal | None:
    """What the move form flags inline, again only checks that never call Slack.

    Who may move the promise (an admin check for non-owners) and the date in the owner's
    zone are checked by `move` after the form closes.
    """
    if due_on is None:
        return Refusal("Pick the new date.", field="due")
    return past_everywhere(services, due_on)


def validate_draft(services: Services, team_id: str, draft: PromiseDraft) -> PromiseDraft | Refusal:
    """Text and customer within their limits, and a rollout that exists; the form shows
    a refusal under the promise's text, or under the rollout it names."""
    if not draft.text:
        return Refusal(f"What did you promise? Write it before `by`, e.g. {EXAMPLE}", "what")
    if len(draft.text) > MAX_TEXT_CHARS:
        return Refusal(f"Keep the promise under {MAX_TEXT_CHARS:,} characters.", "what")
    if draft.account is not None and len(draft.account) > MAX_ACCOUNT_CHARS:
        return Refusal(f"Customer names can be at most {MAX_ACCOUNT_CHARS} characters.", "what")
    if draft.rollout_key is not None:
        return _known_rollout(services, team_id, draft)
    return draft


def _known_rollout(services: Services, team_id: str, draft: PromiseDraft) -> PromiseDraft | Refusal:
    key = draft.rollout_key or ""
    if rollouts.get_rollout(services.db, team_id, key) is not None:
        return draft
    known = [r.key for r in rollouts.list_rollouts(services.db, team_id)]
    listing = ", ".join(f"`{k}`" for k in known[:20]) if known else "none yet"
    return Refusal(
        f"There is no rollout `{key[:64]}`. Known rollouts: {listing}. "
        'An admin adds one with `/perspective rollout add sso "SSO integration" end of quarter`; '
        f"or leave out `needs:`, e.g. {EXAMPLE}",
        field="rollout",
    )


# ---- acting on promises ---------------------------------------------------------------------


def schedule_for(due_on: date, zone: ZoneInfo, now: datetime) -> Schedule:
    """The due day's end and the reminder instant (09:00 the day before, owner's zone).

    No reminder when that moment has already passed: a promise made the evening
    before it is due needs no reminder the rep would get after the fact.
    """
    remind_at = dates.local_instant(due_on - timedelta(days=1), dates.REMINDER_TIME, zone)
    remind = remind_at if remind_at > now else None
    return Schedule(due_on, dates.end_of_day_utc(due_on, zone), remind)


def capture(
    services: Services, team_id: str, owner_id: str, channel_id: str | None, draft: PromiseDraft
) -> Promise:
    now = services.clock()
    schedule = schedule_for(draft.due_on, services.directory.timezone(owner_id), now)
    return store.add_promise(
        services.db,
        NewPromise(
            team_id=team_id,
            owner_id=owner_id,
            account=draft.account,
            text=draft.text,
            due_on=schedule.due_on,
            due_end_at=schedule.due_end_at,
            remind_at=schedule.remind_at,
            rollout_key=draft.rollout_key,
            at_risk=_at_risk(services, team_id, draft.rollout_key, draft.due_on),
            channel_id=channel_id,
            created_at=now,
        ),
    )


def _at_risk(services: Services, team_id: str, key: str | None, due_on: date) -> bool:
    rollout = rollouts.get_rollout(services.db, team_id, key) if key else None
    return rollout is not None and rollout.ships_on > due_on


def mine(services: Services, team_id: str, user_id: str) -> list[Promise]:
    return store.promises_of(services.db, team_id, user_id, LIST_SIZE)


def changeable(
    services: Services, team_id: str, user_id: str, promise_id: int
) -> Promise | Refusal:
    """The promise, if it exists and `user_id` owns it or is an admin.

    Only a non-owner costs a Slack call (`users.info` for the admin flag), so this runs
    after the ack, never inside it.
    """
    promise = store.get_promise(services.db, team_id, promise_id)
    if promise is None:
        return Refusal(f"There is no promise #{promise_id}. `/promise list` shows yours.")
    if promise.owner_id != user_id and not services.is_admin(user_id):
        return Refusal(
            f"Promise #{promise_id} is <@{promise.owner_id}>'s; only its owner or an admin can "
            "change it."
        )
    return promise


def changeable_now(
    services: Services, team_id: str, user_id: str, promise_id: int
) -> Promise | Refusal:
    """Like `changeable`, and refused up front when it is already kept (before a modal opens)."""
    promise = changeable(services, team_id, user_id, promise_id)
    if isinstance(promise, Refusal) or promise.status != store.KEPT:
        return promise
    return _state_refusal(services, team_id, promise_id)


def keep(services: Services, team_id: str, user_id: str, promise_id: int) -> Promise | Refusal:
    promise = changeable(services, team_id, user_id, promise_id)
    if isinstance(promise, Refusal):
        return promise
    if not store.mark_kept(services.db, promise, services.clock()):
        return _state_refusal(services, team_id, promise_id)
    return saved_promise(services, team_id, promise_id)


def break_promise(
    services: Services, team_id: str, user_id: str, promise_id: int, reason: str
) -> Promise | Refusal:
    reason = " ".join(reason.split())
    if not reason:
        return Refusal(f"Say why it broke, so your manager knows: {usage('broken', promise_id)}.")
    if len(reason) > MAX_REASON_CHARS:
        return Refusal(f"Keep the reason under {MAX_REASON_CHARS:,} characters.")
    promise = changeable(services, team_id, user_id, promise_id)
    if isinstance(promise, Refusal):
        return promise
    if not store.mark_broken(services.db, promise, reason, services.clock()):
        return _state_refusal(services, team_id, promise_id)
    return saved_promise(services, team_id, promise_id)


def move(
    services: Services, team_id: str, user_id: str, promise_id: int, new_date: str | date
) -> Promise | Refusal:
    """A new due date for an open (or broken) promise; the old date stays in the history."""
    promise = changeable(services, team_id, user_id, promise_id)
    if isinstance(promise, Refusal):
        return promise
    due_on = (
        resolve_date(services, promise.owner_id, new_date)
        if isinstance(new_date, str)
        else not_past(services, promise.owner_id, new_date)
    )
    if isinstance(due_on, Refusal):
        return due_on
    if due_on == promise.due_on and promise.status == store.OPEN:
        return Refusal(f"Promise #{promise_id} is already due {day(due_on)}.")
    now = services.clock()
    schedule = schedule_for(due_on, services.directory.timezone(promise.owner_id), now)
    at_risk = _at_risk(services, team_id, promise.rollout_key, due_on)
    if not store.move_due_date(services.db, promise, schedule, at_risk, user_id, now):
        return _state_refusal(services, team_id, promise_id)
    return saved_promise(services, team_id, promise_id)


def not_past(services: Services, owner_id: str, due_on: date) -> date | Refusal:
    """A date picked in a date picker: the same past-date rule as typed dates, in the owner's
    zone (which may ask Slack, so never inside an ack)."""
    return resolve_date(services, owner_id, due_on.isoformat())


def snooze(
    services: Services, team_id: str, user_id: str, promise_id: int, phrase: str
) -> tuple[Promise, datetime | None] | Refusal:
    """No reminder for this promise, or the reminder at 09:00 on the given day instead."""
    promise = changeable(services, team_id, user_id, promise_id)
    if isinstance(promise, Refusal):
        return promise
    if promise.status != store.OPEN:
        return _state_refusal(services, team_id, promise_id)
    remind_at = None
    if phrase:
        remind_on = resolve_date(services, promise.owner_id, phrase)
        if isinstance(remind_on, Refusal):
            return remind_on
        if remind_on > promise.due_on:
            return Refusal(
                f"That is after the promise is due ({day(promise.due_on)}). "
                f"To push the date itself: `/promise move {promise_id} <date>`."
            )
        zone = services.directory.timezone(promise.owner_id)
        remind_at = max(
            dates.local_instant(remind_on, dates.REMINDER_TIME, zone),
            services.clock() + timedelta(minutes=1),
        )
    store.snooze(services.db, promise, remind_at)
    return saved_promise(services, team_id, promise_id), remind_at


def handle_risk(
    services: Services, team_id: str, user_id: str, promise_id: int
) -> Promise | Refusal:
    promise = changeable(services, team_id, user_id, promise_id)
    if isinstance(promise, Refusal):
        return promise
    if not store.mark_handling(services.db, promise, services.clock()):
        return _state_refusal(services, team_id, promise_id)
    return saved_promise(services, team_id, promise_id)


def history(services: Services, promise_id: int) -> list[DueDateChange]:
    return store.due_date_history(services.db, promise_id)


def saved_promise(services: Services, team_id: str, promise_id: int) -> Promise:
    promise = store.get_promise(services.db, team_id, promise_id)
    assert promise is not None  # promises are never deleted
    return promise


def _state_refusal(services: Services, team_id: str, promise_id: int) -> Refusal:
    """Said when a promise is no longer in a state that allows the change (e.g. already kept)."""
    promise = saved_promise(services, team_id, promise_id)
    if promise.status == store.KEPT:
        return Refusal(f"Promise #{promise_id} is already marked kept :white_check_mark:.")
    if promise.status == store.BROKEN:
        return Refusal(
            f"Promise #{promise_id} is already marked broken. To give it a new date: "
            f"`/promise move {promise_id} <date>`."
        )
    return Refusal(f"Promise #{promise_id} changed meanwhile; `/promise list` shows where it is.")


def shown_promises(services: Services, team_id: str, promise_ids: list[int]) -> list[Promise]:
    """The promises one message shows, in its order, as they stand now."""
    found = (store.get_promise(services.db, team_id, promise_id) for promise_id in promise_ids)
    return [promise for promise in found if promise is not None]
