"""Each Events API delivery is handled once, however often Slack sends it.

Slack sends an event again (`X-Slack-Retry-Num`) when its first delivery was not
acknowledged in 3 seconds, and may send it to another process; a Home tab
published twice, or later a DM answered twice, is what the user would see. The
event id is claimed in the claims ledger, so the first process to see it wins
wherever and whenever the retry lands. The claim outlives Slack's last retry
(5 minutes) by far, and is forgotten after a day.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from slack_bolt import BoltRequest, BoltResponse

from bot.services import Services
from storage import claims

log = logging.getLogger(__name__)

KEY_PREFIX = "slack-event:"
REMEMBERED_FOR = timedelta(days=1)


def once_per_event(services: Services) -> Callable[..., BoltResponse | None]:
    """A global Bolt middleware that acks an event already claimed without handling it."""

    def handle_once(
        body: dict[str, Any], request: BoltRequest, next: Callable[[], None]
    ) -> BoltResponse | None:
        event_id = body.get("event_id")
        if body.get("type") != "event_callback" or not isinstance(event_id, str):
            return next()
        retry = request.headers.get("x-slack-retry-num", [None])[0]
        team, key, now = str(body.get("team_id") or ""), KEY_PREFIX + event_id, services.clock()
        if claims.claim_once(services.db, team, key, now):
            # Done at once: a listener crash is logged and apologised for, not re-run on
            # Slack's next retry, so no claim is left for a later retry to take over.
            claims.complete(services.db, key, now)
            if retry is not None:
                log.info("Slack event %s arrived first as retry %s", event_id, retry)
            return next()
        log.info("Slack event %s already handled; retry %s acknowledged only", event_id, retry)
        return BoltResponse(status=200, body="")

    return handle_once


def forget_old_events(services: Services, now: datetime) -> None:
    """A scheduled job: Slack never retries an event after minutes, so a day is plenty."""
    claims.forget(services.db, KEY_PREFIX, now - REMEMBERED_FOR)
