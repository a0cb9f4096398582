"""Field intelligence in Slack: the competitor view (from `/fieldnote` and the *Competitor*
button), `/perspective competitor alias`, and `/perspective message` with the reps'
*Got it* / *I have a question* buttons and the question form."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.intel import blocks as render
from bot.intel import competitors, messages
from bot.refusals import Refusal
from bot.services import Services
from bot.slack.mrkdwn import escape, typed_text
from handlers.common import (
    SAVED,
    Answer,
    ack_now,
    answer,
    answer_form,
    apologise_on_error,
    pressed_on_home,
    refuse,
    reply,
    required_text,
    respond_blocks,
    save_before_closing,
    say,
    send_reply,
    tell,
    with_services,
)


def register(app: App, services: Services) -> None:
    bind = with_services(services)
    app.action(render.COMPETITOR_ACTION)(ack=ack_now, lazy=[bind(show_competitor)])
    app.action(render.ACK_ACTION)(ack=ack_now, lazy=[bind(acknowledge)])
    app.action(render.QUESTION_ACTION)(ack=ack_now, lazy=[bind(open_question)])
    app.view(render.QUESTION_CALLBACK)(ack=bind(save_question), lazy=[bind(send_question)])


def answer_competitor(services: Services, answer: Answer, team_id: str, name: str) -> None:
    """`/fieldnote competitor <name>`: a few indexed reads, so it is answered in the ack."""
    view = competitors.view(services, team_id, name)
    if isinstance(view, Refusal):
        answer.say(view)
    else:
        answer.blocks(render.competitor_view(view), f"Competitor: {view.shown}")


def answer_competitors(services: Services, answer: Answer, team_id: str) -> None:
    found = competitors.overview(services, team_id)
    answer.blocks(render.competitor_list(found, competitors.WINDOWS[-1]), "Competitors")


@apologise_on_error
def show_competitor(
    services: Services, body: dict[str, Any], action: dict[str, Any], client: WebClient
) -> None:
    """The *Competitor* button: the view, for the presser only (a DM when pressed on Home)."""
    view = competitors.view(services, body["team"]["id"], action["value"])
    if isinstance(view, Refusal):
        tell(client, body, view.message)
        return
    blocks, text = render.competitor_view(view), f"Competitor: {view.shown}"
    url = body.get("response_url")
    if url and not pressed_on_home(body):
        message = {"text": text, "blocks": blocks, "response_type": "ephemeral"}
        send_reply(url, {**message, "replace_original": False})
    else:
        client.chat_postMessage(channel=body["user"]["id"], blocks=blocks, text=text)


def competitor_command(
    services: Services, command: dict[str, Any], text: str, respond: Respond
) -> None:
    """`/perspective competitor alias <competitor> <alias>`."""
    result = competitors.alias_command(
        services, command["team_id"], command["user_id"], typed_text(text)
    )
    answer(respond, result)


def message_command(
    services: Services, command: dict[str, Any], text: str, respond: Respond
) -> None:
    """`/perspective message "<title>" <text>` and `/perspective message status`."""
    team, user = command["team_id"], command["user_id"]
    request = messages.read_command(typed_text(text))
    match request:
        case Refusal():
            refuse(respond, request)
        case messages.Status():
            found = messages.status(services, team, user)
            if isinstance(found, Refusal):
                refuse(respond, found)
            else:
                respond_blocks(respond, render.status(*found), "Message status")
        case messages.Draft(title):
            sent = messages.send(services, team, user, request)
            if isinstance(sent, Refusal):
                refuse(respond, sent)
                return
            say(
                respond,
                f":mega: *{escape(title)}* is on its way to {len(sent)} rep"
                f"{'s' * (len(sent) != 1)}. `/perspective message status` shows who "
                "acknowledged; those who have not hear once more after two working days.",
            )


@apologise_on_error
def acknowledge(
    services: Services,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    respond: Respond,
) -> None:
    """*Got it*: recorded, and the DM loses its buttons."""
    copy = messages.acknowledge(
        services, body["team"]["id"], body["user"]["id"], int(action["value"])
    )
    if isinstance(copy, Refusal):
        tell(client, body, copy.message)
        return
    reply(
        respond,
        blocks=render.acknowledged(copy),
        text=f"You acknowledged {copy.message.title}",
        replace_original=True,
    )


@apologise_on_error
def open_question(
    services: Services, body: dict[str, Any], action: dict[str, Any], client: WebClient
) -> None:
    copy = messages.own_copy(services, body["team"]["id"], body["user"]["id"], int(action["value"]))
    if isinstance(copy, Refusal):
        tell(client, body, copy.message)
        return
    client.views_open(trigger_id=body["trigger_id"], view=render.question_modal(copy))


def save_question(
    services: Services, ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    """Saved before the form closes; an empty question gets an inline error."""
    recipient_id = int(json.loads(view.get("private_metadata") or "{}").get("recipient", 0))
    copy = messages.own_copy(services, body["team"]["id"], body["user"]["id"], recipient_id)
    if isinstance(copy, Refusal):
        answer_form(ack, Refusal(copy.message, field=render.QUESTION_BLOCK))
        return
    text = required_text(view, render.QUESTION_BLOCK, "Write your question.")
    save_before_closing(
        ack,
        context,
        text,
        lambda question: messages.ask(services, copy, question),
        what="question",
        field=render.QUESTION_BLOCK,
    )


@apologise_on_error
def send_question(services: Services, body: dict[str, Any], context: BoltContext) -> None:
    question_id = context.get(SAVED)
    if question_id is not None:
        messages.tell_sender(services, body["team"]["id"], question_id)
