"""Scheduled promise work: day-before reminders and spotting broken commitments.

Each reminder is claimed as `reminder:<promise>:<due date>` before it is sent,
so several processes ticking together send it once, and a failed send is
retried by a later tick. A rep whose Slack status says they are away is not
reminded (their manager's nudge still lists what breaks meanwhile).
"""

from __future__ import annotations

import logging
import re
from datetime import datetime

from bot import promise_blocks as render
from bot.direct_messages import send_dm
from bot.directory import Person
from bot.scheduler import deliver_once, in_parallel
from bot.services import Services
from storage import claims
from storage import promises as store
from storage.promises import Promise

log = logging.getLogger(__name__)
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
    """Scheduler job: every reminder whose time has come; returns how many this call sent."""
    due = store.reminders_due(services.db, now)
    done = claims.done_keys(services.db, [reminder_key(p) for p in due])

    def remind(promise: Promise) -> bool:
        key = reminder_key(promise)
        if key in done or now >= promise.due_end_at:
            store.reminder_done(services.db, promise)  # already sent, or too late to matter
            return False
        if is_away(services.directory.person(promise.owner_id), now):
            return False  # stays queued: reminded if they are back before the promise is due
        delivered = deliver_once(
            services, promise.team_id, key, now, lambda: _remind(services, promise, now)
        )
        if delivered or claims.is_done(services.db, key):
            store.reminder_done(services.db, promise)
        return delivered

    return in_parallel(services, remind, due)


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
    broken = store.break_overdue(services.db, now)
    if broken:
        log.info("%d promises passed their due date un-kept", len(broken))
    return len(broken)
