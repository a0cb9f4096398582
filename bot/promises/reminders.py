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
from datetime import UTC, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from bot.delivery import deliver_once, in_parallel, send_dm
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
    return in_parallel(services, partial(_remind_once, services, done, now), due)


def _remind_once(services: Services, done: set[str], now: datetime, promise: Promise) -> bool:
    """Send one due reminder unless it is done, too late or its owner is away."""
    key = reminder_key(promise)
    if key in done or now >= promise.due_end_at:
        promise_ticks.reschedule_reminder(services.db, promise, None)  # sent, or too late
        return False
    if is_away(services.directory.person(promise.owner_id), now):
        _postpone(services, promise, now)
        return False
    delivered = deliver_once(
        services,
        promise.team_id,
        key,
        now,
        partial(_remind, services, promise, now),
        finish=partial(promise_ticks.reminder_sent, services.db, promise, key, now),
    )
    if not delivered and claims.is_done(services.db, key):
        promise_ticks.reschedule_reminder(services.db, promise, None)  # another process sent it
    return delivered


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


def _remind(services: Services, promise: Promise, now: datetime) -> str:
    today = now.astimezone(services.directory.timezone(promise.owner_id)).date()
    when = render.how_soon(promise.due_on, today)
    return send_dm(
        services,
        promise.owner_id,
        render.reminder(promise, today),
        f"Reminder: promise #{promise.id} is due {when}",
    )


def detect_broken(services: Services, now: datetime) -> int:
    """Scheduler job: open promises past their due day become broken commitments."""
    broken = promise_ticks.break_overdue(services.db, now)
    if broken:
        log.info("%d promises passed their due date un-kept", len(broken))
    return len(broken)
