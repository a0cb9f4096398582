"""Scheduled promise work: day-before reminders and spotting broken commitments.

Each reminder is claimed as `reminder:<promise>:<due date>` before it is sent,
so several processes ticking together send it once, and a failed send is
retried by a later tick. A rep whose Slack status says they are away is not
reminded while away (their manager's nudge still lists what breaks meanwhile):
the reminder is looked at again an hour later within their working day, else at
09:00 their next morning, and dropped once that is past the due day. So away
reps leave the front of the queue, and nobody is reminded at night.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from datetime import UTC, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from bot.delivery import deliver_together, in_parallel, send_dm
from bot.promises import blocks as render
from bot.promises import dates
from bot.services import Services
from bot.slack.directory import Person
from storage import claims, promise_ticks
from storage.promises import Promise

log = logging.getLogger(__name__)
BATCH = 1000  # due reminders read per query; a tick reads page after page
RECHECK_AWAY = timedelta(hours=1)
WORKDAY_ENDS = time(18, 0)
AWAY_EMOJI = {
    ":palm_tree:",
    ":desert_island:",
    ":beach_with_umbrella:",
    ":airplane:",
    ":face_with_thermometer:",
    ":house_with_garden:",
    ":no_entry:",
}
AWAY_WORDS = re.compile(
    r"\b(vacation|vacationing|holiday|holidays|out of (the )?office|ooo|pto|on leave|annual leave|"
    r"parental leave|sick|off today|time off)\b",
    re.IGNORECASE,
)


def is_away(person: Person, now: datetime) -> bool:
    """A vacation / out-of-office Slack status that has not expired yet."""
    if person.status_expiration and person.status_expiration <= now.timestamp():
        return False
    return person.status_emoji in AWAY_EMOJI or bool(AWAY_WORDS.search(person.status_text))


def reminder_key(promise: Promise) -> str:
    return f"reminder:{promise.id}:{promise.due_on.isoformat()}"


def send_reminders(services: Services, now: datetime) -> int:
    """Scheduler job: every reminder whose time has come; returns how many this call sent.

    Reads every due page in this tick, so no number of reminders left queued
    (failed sends, claims held elsewhere) keeps the ones behind them waiting.
    """
    page = promise_ticks.reminders_due(services.db, now, BATCH)
    sent = _send_page(services, page, now)
    while len(page) == BATCH:
        page = promise_ticks.reminders_due(services.db, now, BATCH, after=page[-1])
        sent += _send_page(services, page, now)
    return sent


def _send_page(services: Services, due: list[Promise], now: datetime) -> int:
    done = claims.done_keys(services.db, [reminder_key(p) for p in due])
    by_owner: dict[tuple[str, str], list[Promise]] = defaultdict(list)
    for promise in due:
        by_owner[(promise.team_id, promise.owner_id)].append(promise)
    return in_parallel(services, partial(_remind_owner, services, done, now), by_owner.values())


def _remind_owner(services: Services, done: set[str], now: datetime, due: list[Promise]) -> int:
    """One rep's due reminders, in one DM however many there are (one message a run);
    returns how many promises it reminded of."""
    waiting = []
    for promise in due:
        if reminder_key(promise) in done or now >= promise.due_end_at:
            promise_ticks.reschedule_reminder(services.db, promise, None)  # sent, or too late
        else:
            waiting.append(promise)
    waiting = waiting[: render.MAX_REMINDED]  # any more wait for the next tick's DM
    if not waiting:
        return 0
    if is_away(services.directory.person(waiting[0].owner_id), now):
        for promise in waiting:
            _postpone(services, promise, now)
        return 0
    team_id, owner_id = waiting[0].team_id, waiting[0].owner_id
    lock = f"reminding:{team_id}:{owner_id}"  # one process at a time composes this rep's DM
    if not claims.claim_once(services.db, team_id, lock, now):
        return 0
    keys = [reminder_key(p) for p in waiting]
    try:
        reminded = deliver_together(
            services,
            team_id,
            keys,
            now,
            partial(_remind, services, waiting, now),
            partial(_reminded, services, waiting, keys, now),
        )
    finally:
        claims.release(services.db, lock)
    sent_here = {keys[i] for i in reminded}
    for promise, key in zip(waiting, keys, strict=True):
        if key not in sent_here and claims.is_done(services.db, key):
            promise_ticks.reschedule_reminder(services.db, promise, None)  # another process sent it
    return len(reminded)


def _reminded(
    services: Services,
    waiting: list[Promise],
    keys: list[str],
    now: datetime,
    sent: list[int],
    ref: str,
) -> None:
    for i in sent:
        promise_ticks.reminder_sent(services.db, waiting[i], keys[i], now, ref)


def _postpone(services: Services, promise: Promise, now: datetime) -> None:
    """An away rep's reminder waits for the next look; none once that is past the due day."""
    later = next_check(now, services.directory.timezone(promise.owner_id))
    promise_ticks.reschedule_reminder(
        services.db, promise, later if later < promise.due_end_at else None
    )


def next_check(now: datetime, zone: ZoneInfo) -> datetime:
    """An hour on while the rep's working day lasts (they may clear their status any time),
    else 09:00 their next morning: a rep just back is reminded soon, and never at night."""
    later = (now + RECHECK_AWAY).astimezone(zone)
    if dates.REMINDER_TIME <= later.time() <= WORKDAY_ENDS:
        return later.astimezone(UTC)
    tomorrow = later.time() > WORKDAY_ENDS
    morning = later.date() + timedelta(days=1) if tomorrow else later.date()
    return dates.local_instant(morning, dates.REMINDER_TIME, zone).astimezone(UTC)


def _remind(services: Services, waiting: list[Promise], now: datetime, sent: list[int]) -> str:
    promises = [waiting[i] for i in sent]
    today = now.astimezone(services.directory.timezone(promises[0].owner_id)).date()
    if len(promises) == 1:
        text = f"Reminder: promise #{promises[0].id} is due {render.how_soon(promises[0].due_on, today)}"
    else:
        text = f"Reminder: {len(promises)} of your promises are due soon"
    return send_dm(services, promises[0].owner_id, render.reminders(promises, today), text)


def detect_broken(services: Services, now: datetime) -> int:
    """Scheduler job: open promises past their due day become broken commitments."""
    broken = promise_ticks.break_overdue(services.db, now)
    if broken:
        log.info("%d promises passed their due date un-kept", len(broken))
    return len(broken)
