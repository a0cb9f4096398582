"""What every listener shares: instant acks, failures that never leak to Slack, the
services a listener is registered with, and the one set of reply helpers."""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.refusals import Refusal
from bot.services import Services
from bot.slack import mrkdwn
from bot.slack.blocks import Blocks, input_value, section
from bot.slack.client import REPLY_RETRIES

log = logging.getLogger(__name__)
SORRY = (
    ":warning: Something went wrong on my side and nothing was changed. "
    "Please try again in a minute."
)
MAX_FORM_ERROR_CHARS = 150  # an inline error is one short line under its input
SAVED = "perspective_saved"  # Bolt context key: what a form's ack saved, for its confirmation
NOT_SAVED = "Couldn't save your {what} just now; it is still here. Press Save again in a minute."
Checked = TypeVar("Checked")

Listener = Callable[..., Any]


def ack_now(ack: Ack) -> None:
    """Acknowledge at once; the real work runs afterwards as a lazy listener (3-second rule)."""
    ack()


def with_services(services: Services) -> Callable[[Listener], Listener]:
    """Bind `services` as the first argument of module-level listeners.

    Bolt injects a listener's arguments by the names `inspect.getfullargspec` finds after
    `inspect.unwrap`, and names lazy listeners by `__name__`. So the bound listener copies the
    name but not `__wrapped__`, and declares a signature without `services`.
    """

    def bind(listener: Listener) -> Listener:
        def bound(**kwargs: Any) -> Any:
            return listener(services, **kwargs)

        parameters = list(inspect.signature(listener).parameters.values())[1:]
        bound.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        for attribute in ("__module__", "__name__", "__qualname__", "__doc__"):
            setattr(bound, attribute, getattr(listener, attribute))
        return bound

    return bind


def apologise_on_error(work: Listener) -> Listener:
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
        say(respond, SORRY)
        return
    client: WebClient | None = kwargs.get("client")
    user = (kwargs.get("body") or {}).get("user", {}).get("id")
    if client is not None and user:
        client.chat_postMessage(channel=user, text=SORRY)


def hands_back_on_error(what: str) -> Callable[[Listener], Listener]:
    """For commands answered in their ack: a crash (the database down) is logged and the ack
    hands the typed text back, so the user can send it again and nothing is lost."""

    def decorate(listener: Listener) -> Listener:
        @functools.wraps(listener)
        def wrapper(*args: Any, **kwargs: Any) -> None:
            try:
                listener(*args, **kwargs)
            except Exception:
                log.exception("%s failed", listener.__name__)
                typed = kwargs["command"].get("text") or ""
                ack_reply(kwargs["ack"], handed_back(what, typed))

        return wrapper

    return decorate


def handed_back(what: str, typed: str) -> str:
    return (
        f":warning: Couldn't save your {what} — here it is, so nothing is lost:\n"
        f"```{mrkdwn.escape(typed)}```\nPlease send it again in a minute."
    )


def ack_reply(ack: Ack, text: str, blocks: Blocks | None = None) -> None:
    """Answer a slash command in its ack: Slack shows it at once, only to whoever typed it."""
    ack(text=text, blocks=blocks, response_type="ephemeral")


def reply(respond: Respond, **message: Any) -> None:
    """Every reply through a response URL goes here: retried on a 5xx, a 429 (after its
    Retry-After) or a dropped connection, and logged when it finally cannot be delivered."""
    send_reply(respond.response_url, message)


def send_reply(url: str | None, message: dict[str, Any]) -> None:
    if not url:
        log.warning("no response URL to send a reply to; lost: %.200s", message.get("text"))
        return
    webhook = WebhookClient(url, retry_handlers=REPLY_RETRIES)
    try:
        status = webhook.send_dict(message).status_code
    except OSError as error:  # still no connection after the retries
        status, reason = 0, str(error)
    else:
        reason = f"HTTP {status}"
    if status != 200:
        log.warning(
            "a reply could not be delivered (%s, team %s); lost: %.200s",
            reason,
            _team_in(url),
            message.get("text"),
        )


def _team_in(url: str) -> str:
    """Slack's response URLs read …/commands/<team>/… or …/actions/<team>/…."""
    parts = url.split("/")
    return parts[4] if len(parts) > 4 and parts[3] in ("commands", "actions") else "?"


@dataclass(frozen=True)
class Answer:
    """Where a command's answer goes: into its ack, when the work was done before answering,
    or through its response URL, when it needed Slack first."""

    send: Callable[..., None]

    @classmethod
    def in_ack(cls, ack: Ack) -> Answer:
        return cls(lambda text, blocks=None: ack_reply(ack, text, blocks))

    @classmethod
    def later(cls, respond: Respond) -> Answer:
        return cls(
            lambda text, blocks=None: reply(
                respond, text=text, blocks=blocks, response_type="ephemeral", replace_original=False
            )
        )

    def say(self, result: str | Refusal) -> None:
        self.send(result.message if isinstance(result, Refusal) else result)

    def blocks(self, blocks: Blocks, fallback: str) -> None:
        self.send(fallback, blocks)


def say(respond: Respond, text: str) -> None:
    """An answer only the person who typed the command sees."""
    reply(respond, text=text, response_type="ephemeral", replace_original=False)


def refuse(respond: Respond, refusal: Refusal) -> None:
    say(respond, refusal.message)


def answer(respond: Respond, result: str | Refusal) -> None:
    """Say the answer, or the refusal in its place."""
    say(respond, result.message if isinstance(result, Refusal) else result)


def respond_blocks(respond: Respond, blocks: Blocks, fallback: str) -> None:
    reply(respond, blocks=blocks, text=fallback, response_type="ephemeral", replace_original=False)


def answer_form(ack: Ack, checked: object) -> None:
    """Close the form, or keep it open with the refusal under the input it is about.

    `checked` is what the form reads as once checked: a `Refusal`, or anything else to close.
    """
    if isinstance(checked, Refusal):
        errors = {checked.field or "": checked.message[:MAX_FORM_ERROR_CHARS]}
        ack(response_action="errors", errors=errors)
    else:
        ack()


def save_before_closing(
    ack: Ack,
    context: BoltContext,
    checked: Checked | Refusal,
    save: Callable[[Checked], object],
    *,
    what: str,
    field: str,
) -> None:
    """Save in the form's ack, so a form that closed is a saved record: a refusal shows under
    its input (also one `save` returns, when something changed since the checks), a database
    failure keeps the form open saying so, and what `save` returns (an id, or a small plain
    value) reaches the lazy confirmation through Bolt's context (which Bolt copies to it)."""
    if isinstance(checked, Refusal):
        answer_form(ack, checked)
        return
    try:
        saved = save(checked)
    except Exception:
        log.exception("saving a %s from its form failed", what)
        answer_form(ack, Refusal(NOT_SAVED.format(what=what), field=field))
        return
    if isinstance(saved, Refusal):
        answer_form(ack, Refusal(saved.message, field=saved.field or field))
        return
    context[SAVED] = saved
    ack()


def confirm_form(
    client: WebClient, body: dict[str, Any], channel: str | None, text: str, fallback: str
) -> None:
    """Tell whoever submitted a set-up form what it did, where they opened it: the
    command's channel, or a DM when it came from the Home tab."""
    post_privately(client, channel, body["user"]["id"], [section(text)], fallback)


def required_text(view: dict[str, Any], block_id: str, missing: str) -> str | Refusal:
    """A form input that must be filled in, or the refusal that shows `missing` under it."""
    value = input_value(view, block_id)
    return Refusal(missing, field=block_id) if value is None else value


def pressed_on_home(body: dict[str, Any]) -> bool:
    """Whether the button sits on the Home tab (a view) rather than in a message."""
    return (body.get("container") or {}).get("type") == "view"


def tell(client: WebClient, body: dict[str, Any], text: str) -> None:
    """A private note to whoever pressed: under the message they pressed, or in a DM from
    the Home tab, where Slack gives no response URL."""
    url = body.get("response_url")
    if url and not pressed_on_home(body):
        send_reply(url, {"text": text, "response_type": "ephemeral", "replace_original": False})
    else:
        client.chat_postMessage(channel=body["user"]["id"], text=text)


def post_privately(
    client: WebClient, channel: str | None, user: str, blocks: Blocks, text: str
) -> None:
    """Tell one person something where they started; in a DM when the bot cannot post there."""
    if channel:
        try:
            client.chat_postEphemeral(channel=channel, user=user, blocks=blocks, text=text)
            return
        except SlackApiError as error:
            log.info("ephemeral message failed (%s); sending a DM", error.response["error"])
    client.chat_postMessage(channel=user, blocks=blocks, text=text)
