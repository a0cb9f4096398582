"""The scheduler: one tick a minute in every process, running each feature's due work.

Each piece of work is claimed before it is sent (`bot.delivery`), so several
processes can tick at once without posting anything twice. Ticks take `now` as
an argument so tests and `perspective tick --now` can run any instant.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler

from bot.deals import winloss
from bot.digests import posting as digests
from bot.intel import competitors
from bot.intel import messages as field_messages
from bot.promises import nudges, reminders, rollouts
from bot.runtime.slack_events import forget_old_events
from bot.services import Services

log = logging.getLogger(__name__)

Job = Callable[[Services, datetime], None]


@dataclass
class TickReport:
    ran: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def scheduled_jobs() -> list[tuple[str, Job]]:
    """Every feature's due-work function, in the order a tick runs them."""
    return [
        ("rollout alerts", rollouts.retry_alerts),
        ("promise reminders", reminders.send_reminders),
        ("broken promises", reminders.detect_broken),
        ("win/loss prompts", winloss.send_unsent_prompts),
        ("win/loss reminders", winloss.send_due_reminders),
        ("manager nudges", nudges.nudge_job),
        ("competitor mentions in older notes", competitors.index_new_terms),
        ("messages to the field", field_messages.send_undelivered),
        ("message reminders", field_messages.send_due_reminders),
        ("digests", digests.run_due),
        ("forget handled Slack events", forget_old_events),
    ]


def run_tick(services: Services, now: datetime) -> TickReport:
    """One tick as of `now`; a failing job is logged and does not stop the others."""
    report = TickReport()
    for name, job in scheduled_jobs():
        try:
            job(services, now)
            report.ran.append(name)
        except Exception:
            log.exception("scheduled job %s failed at %s", name, now.isoformat())
            report.failed.append(name)
    return report


def start_scheduler(services: Services) -> BackgroundScheduler:
    """Tick every minute in the background; ticks never overlap within one process."""
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(
        lambda: run_tick(services, services.clock()),
        "interval",
        minutes=1,
        id="tick",
        max_instances=1,
        coalesce=True,
        next_run_time=services.clock(),
    )
    scheduler.start()
    return scheduler
