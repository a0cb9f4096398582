"""Exactly-once sends: claim a key, send, record it done — below every feature.

Every scheduled or prompted message goes through `deliver_once`, so several
processes can try the same work and Slack sees it once; a failed send releases
its claim (or holds it for a 429's Retry-After) for a later tick.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import TypeVar

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.services import Services
from bot.slack.blocks import Blocks
from storage import claims

log = logging.getLogger(__name__)

Item = TypeVar("Item")
Sent = TypeVar("Sent")
SEND_WORKERS = 8
SEND_ERRORS = (SlackApiError, SlackClientError, OSError)


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
    done = finish or (lambda result: claims.complete(services.db, key, now, result))  # type: ignore[arg-type]
    return _send_claimed(services, team_id, [key], now, send, done)


def deliver_together(
    services: Services,
    team_id: str,
    keys: list[str],
    now: datetime,
    send: Callable[[list[int]], Sent],
    finish: Callable[[list[int], Sent], None],
) -> list[int]:
    """Claim each key and send one message for the ones this call won (their positions in
    `keys`), then `finish` records each done; returns those positions, [] when nothing was
    sent. A rep with three promises due tomorrow gets one reminder, not three, and each
    promise is still reminded exactly once however many processes tick."""
    won = [i for i, key in enumerate(keys) if claims.claim_once(services.db, team_id, key, now)]
    if not won:
        return []
    claimed = [keys[i] for i in won]
    sent = _send_claimed(
        services, team_id, claimed, now, lambda: send(won), lambda result: finish(won, result)
    )
    return won if sent else []


def _send_claimed(
    services: Services,
    team_id: str,
    keys: list[str],
    now: datetime,
    send: Callable[[], Sent],
    finish: Callable[[Sent], None],
) -> bool:
    """Send what `keys` were claimed for; a failure gives the claims back (or holds them
    for a 429's Retry-After) for a later tick."""
    started = time.perf_counter()
    try:
        result = send()
    except SEND_ERRORS as error:
        wait = _retry_after(error)
        if wait is None:
            claims.release(services.db, *keys)
        else:
            for key in keys:
                claims.hold_until(services.db, key, now + wait)
        log.warning(
            "sending %s (team %s) failed, will retry on a later tick: %s",
            ", ".join(keys), team_id, error,
        )  # fmt: skip
        return False
    except Exception:
        claims.release(services.db, *keys)
        raise
    finish(result)
    log.info(
        "sent %s (team %s) in %.0f ms",
        ", ".join(keys), team_id, (time.perf_counter() - started) * 1000,
    )  # fmt: skip
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


def slack_error(error: Exception) -> str:
    """The error code Slack named (`not_in_channel`, …), else the error's own words."""
    if isinstance(error, SlackApiError):
        return str(error.response.get("error") or error)
    return str(error)


def send_dm(services: Services, user_id: str, blocks: Blocks, text: str) -> str:
    """Post to the user's DM with the bot; returns `channel:ts` (what a claim remembers,
    so the message can be updated later)."""
    response = services.client.chat_postMessage(channel=user_id, blocks=blocks, text=text)
    return f"{response['channel']}:{response['ts']}"
