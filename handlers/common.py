"""What every listener shares: instant acks and failures that never leak to Slack."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, Respond

from bot.refusals import Refusal

log = logging.getLogger(__name__)
SORRY = (
    ":warning: Something went wrong on my side and nothing was changed. "
    "Please try again in a minute."
)


def ack_now(ack: Ack) -> None:
    """Acknowledge at once; the real work runs afterwards as a lazy listener (3-second rule)."""
    ack()


def apologise_on_error(work: Callable[..., None]) -> Callable[..., None]:
    """Log a crash with its traceback and tell the user plainly, instead of failing silently."""

    @functools.wraps(work)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            work(*args, **kwargs)
        except Exception:
            log.exception("%s failed", work.__name__)
            respond: Respond | None = kwargs.get("respond")
            if respond is not None:
                try:
                    respond(text=SORRY, response_type="ephemeral", replace_original=False)
                except Exception:
                    log.exception("could not tell the user about the failure")

    return wrapper


def refuse(respond: Respond, refusal: Refusal) -> None:
    respond(text=refusal.message, response_type="ephemeral", replace_original=False)
