"""What every listener shares: instant acks and failures that never leak to Slack."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

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
            try:
                _say_sorry(kwargs)
            except Exception:
                log.exception("could not tell the user about the failure")

    return wrapper


def _say_sorry(kwargs: dict[str, Any]) -> None:
    """Through respond() where Slack gave a response URL; otherwise (modal submissions)
    in a DM to the person who acted, so a failure is never silent."""
    respond: Respond | None = kwargs.get("respond")
    if respond is not None:
        respond(text=SORRY, response_type="ephemeral", replace_original=False)
        return
    client: WebClient | None = kwargs.get("client")
    user = (kwargs.get("body") or {}).get("user", {}).get("id")
    if client is not None and user:
        client.chat_postMessage(channel=user, text=SORRY)


def refuse(respond: Respond, refusal: Refusal) -> None:
    respond(text=refusal.message, response_type="ephemeral", replace_original=False)


def post_privately(
    client: WebClient, channel: str | None, user: str, blocks: list[dict[str, Any]], text: str
) -> None:
    """Tell one person something where they started; in a DM when the bot cannot post there."""
    if channel:
        try:
            client.chat_postEphemeral(channel=channel, user=user, blocks=blocks, text=text)
            return
        except SlackApiError as error:
            log.info("ephemeral message failed (%s); sending a DM", error.response["error"])
    client.chat_postMessage(channel=user, blocks=blocks, text=text)
