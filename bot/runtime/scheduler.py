"""The scheduler core: one tick a minute in every process, exactly-once sends via claims.

A tick asks each feature what is due at its instant. Each piece of work is
claimed (a row with a unique key) before it is sent, so several processes can
tick at once without posting anything twice; a send that fails releases its
claim and a later tick tries again. Ticks take `now` as an argument so tests
and `perspective tick --now` can run any instant.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from apscheduler.schedulers.background import BackgroundScheduler
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.services import Services
from storage import claims

log = logging.getLogger(__name__)

Job = Callable[[Services, datetime], None]
Item = TypeVar("Item")
Sent = TypeVar("Sent")
SEND_WORKERS = 8
SEND_ERRORS = (SlackApiError, SlackClientError, OSError)


@dataclass
class TickReport:
    ran: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def scheduled_jobs() -> list[tuple[str, Job]]:
    """Every feature's due-work function, in the order a tick runs them."""
    # Imported here: feature modules import deliver_once from this module.
    from bot.deals import winloss
    from bot.digests import posting as digests
    from bot.promises import nudges, reminders, rollouts

    return [
        ("rollout alerts", rollouts.retry_alerts),
        ("promise reminders", reminders.send_reminders),
        ("broken promises", reminders.detect_broken),
        ("win/loss prompts", winloss.send_unsent_prompts),
        ("win/loss reminders", winloss.send_due_reminders),
        ("manager nudges", nudges.nudge_job),
        ("digests", digests.run_due),
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


def deliver_once(
    services: Services,
    team_id: str,
    key: str,
    now: datetime,
    send: Callable[[], Sent],
    *,
    claimed: bool = False,
    finish: Callable[[Sent], None] | None = None,
) -> bool:
    """Claim `key`, run `send`, and record it done; True only when this call sent it.

    `send` returns what to remember about the delivery (e.g. a message ts). A Slack
    error, a 429 or a network failure releases the claim for a later tick to retry.
    `claimed`: the caller took the claim when it created the work. `finish` records
    the delivery and completes the claim in one transaction (by default the claim is
    completed with what `send` returned).
    """
    if not claimed and not claims.claim_once(services.db, team_id, key, now):
        return False
    try:
        result = send()
    except SEND_ERRORS as error:
        wait = _retry_after(error)
        if wait is None:
            claims.release(services.db, key)
        else:
            claims.hold_until(services.db, key, now + wait)
        log.warning("sending %s failed, will retry on a later tick: %s", key, error)
        return False
    except Exception:
        claims.release(services.db, key)
        raise
    if finish is None:
        claims.complete(services.db, key, now, result)  # type: ignore[arg-type]
    else:
        finish(result)
    return True


def _retry_after(error: Exception) -> timedelta | None:
    """How long Slack asked us to wait (a 429's `Retry-After`), if it did."""
    if not isinstance(error, SlackApiError) or error.response.status_code != 429:
        return None
    headers = {name.lower(): value for name, value in (error.response.headers or {}).items()}
    try:
        return timedelta(seconds=max(1, int(headers.get("retry-after", "1"))))
    except ValueError:
        return timedelta(seconds=1)


def in_parallel(services: Services, work: Callable[[Item], bool], items: Iterable[Item]) -> int:
    """Run `work` over `items` a few at a time; returns how many returned True.

    A tick's sends are independent and spend their time waiting on Slack, so a
    small thread pool keeps a busy 09:00 tick short; claims keep each send
    exactly once. On SQLite the threads' transactions take turns on the
    database's writer lock, while their Slack calls still overlap.
    """
    with ThreadPoolExecutor(max_workers=SEND_WORKERS, thread_name_prefix="send") as pool:
        return sum(pool.map(work, items))


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
