"""`/fieldnote`: the command, its Delete button and its modal, and the other ways into the
form: the *New field note* button and shortcut, *Save as field note* on a message, and the
button under a DM offered back as a note."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.digests import recognition
from bot.fieldnotes import blocks as render
from bot.fieldnotes import rules as fieldnotes
from bot.refusals import Refusal
from bot.services import Services
from bot.slack.blocks import input_value, selected_option
from bot.slack.mrkdwn import escape
from handlers import intel
from handlers.common import (
    SAVED,
    Answer,
    ack_now,
    apologise_on_error,
    hands_back_on_error,
    post_privately,
    reply,
    save_before_closing,
    with_services,
)
from storage.fieldnotes import NewNote

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    bind = with_services(services)
    # Only the form needs Slack (views.open); everything else is answered in the ack.
    app.command("/fieldnote", matchers=[asks_for_the_form])(ack=ack_now, lazy=[bind(open_form)])
    app.command("/fieldnote")(bind(answer_command))
    app.action(render.DELETE_ACTION)(ack=ack_now, lazy=[bind(delete_button)])
    app.action(render.NEW_NOTE_ACTION)(ack=ack_now, lazy=[bind(open_blank_form)])
    app.global_shortcut(render.NEW_NOTE_SHORTCUT)(ack=ack_now, lazy=[bind(open_blank_form)])
    app.message_shortcut(render.SAVE_MESSAGE_SHORTCUT)(
        ack=ack_now, lazy=[bind(open_form_from_message)]
    )
    app.action(render.SAVE_OFFERED_ACTION)(ack=ack_now, lazy=[bind(save_offered_button)])
    app.view(render.MODAL_CALLBACK)(ack=bind(validate_modal), lazy=[bind(save_modal)])


def asks_for_the_form(body: dict[str, Any]) -> bool:
    return fieldnotes.read_command(body.get("text") or "") == fieldnotes.Capture("")


@apologise_on_error
def open_form(
    services: Services, command: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    """`respond` is there for the apology when Slack refuses the form."""
    origin = fieldnotes.FormOrigin(channel_id=command.get("channel_id"))
    _open(services, client, command["team_id"], command["user_id"], command["trigger_id"], origin)


@apologise_on_error
def open_blank_form(services: Services, body: dict[str, Any], client: WebClient) -> None:
    """The New field note button (Home, welcome) and shortcut: the confirmation goes to the
    rep's DM, since neither names a channel to answer in."""
    team, user = body["team"]["id"], body["user"]["id"]
    _open(services, client, team, user, body["trigger_id"], fieldnotes.FormOrigin())


@apologise_on_error
def open_form_from_message(
    services: Services, body: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    """*Save as field note* on a message: the form opens holding the message's words; the
    note keeps a link to the message and who wrote it. `respond` is there for the apology."""
    channel, message = body["channel"]["id"], body["message"]
    origin = fieldnotes.FormOrigin(
        channel_id=channel,
        permalink=_permalink(client, channel, message["ts"]),
        said_by=message.get("user"),
    )
    team, user = body["team"]["id"], body["user"]["id"]
    _open(services, client, team, user, body["trigger_id"], origin, message.get("text") or "")


def _permalink(client: WebClient, channel: str, ts: str) -> str | None:
    """A link to the message; without one the note is still worth saving."""
    try:
        return client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"]
    except SlackApiError as error:
        log.warning("chat.getPermalink failed: %s", error.response.get("error"))
        return None


def _open(
    services: Services,
    client: WebClient,
    team: str,
    user: str,
    trigger_id: str,
    origin: fieldnotes.FormOrigin,
    text: str | None = None,
) -> None:
    recent = fieldnotes.deals_to_relate(services, team, user)
    client.views_open(trigger_id=trigger_id, view=render.capture_modal(origin, recent, text))


@apologise_on_error
def save_offered_button(
    services: Services, body: dict[str, Any], action: dict[str, Any], respond: Respond
) -> None:
    """Saves the DM the button sits under and replaces the offer with the saved note."""
    container = body["container"]
    offer_ref = f"{container['channel_id']}:{container['message_ts']}"
    team, user = body["team"]["id"], body["user"]["id"]
    note = fieldnotes.save_offered(services, team, user, offer_ref, action["value"])
    if note is None:
        return  # pressed twice: the first press saved it and replaces this message
    if isinstance(note, Refusal):
        reply(respond, text=note.message, response_type="ephemeral", replace_original=False)
        return
    blocks = render.saved(note)
    reply(respond, text=f"Saved note #{note.id}", blocks=blocks, replace_original=True)


@hands_back_on_error("note")
def answer_command(services: Services, ack: Ack, command: dict[str, Any]) -> None:
    """Saved (or looked up) before Slack hears back, so an acknowledged note is a stored note."""
    team, user = command["team_id"], command["user_id"]
    answer = Answer.in_ack(ack)
    request = fieldnotes.read_command(command.get("text") or "")
    match request:
        case Refusal():
            answer.say(request)
        case fieldnotes.Help():
            answer.say(render.HELP)
        case fieldnotes.Search(words):
            page = fieldnotes.search(services, team, words)
            title = f"Notes matching *{escape(' '.join(words))}*, newest first:"
            empty = f"No notes match *{escape(' '.join(words))}*. Try fewer or shorter words."
            answer.blocks(render.note_list(title, page, empty), "Search results")
        case fieldnotes.Mine():
            page = fieldnotes.mine(services, team, user)
            empty = f"You have no notes yet. Save one with {fieldnotes.EXAMPLE}."
            answer.blocks(render.note_list("Your notes:", page, empty), "Your notes")
        case fieldnotes.Competitor(name):
            intel.answer_competitor(services, answer, team, name)
        case fieldnotes.Competitors():
            intel.answer_competitors(services, answer, team)
        case fieldnotes.Delete(note_id):
            deleted = fieldnotes.delete(services, team, user, note_id)
            answer.say(_deleted_text(deleted, note_id))
        case fieldnotes.Recognition(named):
            answer.say(recognition.set_recognition(services, team, user, named))
        case fieldnotes.Capture(text):
            draft = fieldnotes.parse_note(services, team, user, command.get("channel_id"), text)
            if isinstance(draft, Refusal):
                answer.say(draft)
                return
            note = fieldnotes.capture(services, draft)
            answer.blocks(render.saved(note), f"Saved note #{note.id}")


@apologise_on_error
def delete_button(
    services: Services, body: dict[str, Any], action: dict[str, Any], respond: Respond
) -> None:
    """The Delete button replaces the confirmation it sits on, so it cannot be pressed twice."""
    team, user = body["team"]["id"], body["user"]["id"]
    _delete_and_tell(services, respond, team, user, int(action["value"]), replace_original=True)


def _delete_and_tell(
    services: Services,
    respond: Respond,
    team: str,
    user: str,
    note_id: int,
    *,
    replace_original: bool,
) -> None:
    deleted = fieldnotes.delete(services, team, user, note_id)
    reply(
        respond,
        text=_deleted_text(deleted, note_id),
        response_type="ephemeral",
        replace_original=replace_original and not isinstance(deleted, Refusal),
    )


def _deleted_text(deleted: object, note_id: int) -> str:
    if isinstance(deleted, Refusal):
        return deleted.message
    return f":wastebasket: Deleted note #{note_id}."


def validate_modal(
    services: Services, ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    """Checked and saved before the form closes; a blank note gets an inline error."""
    note = _note_from_view(services, body, view)
    save_before_closing(
        ack, context, note, lambda n: fieldnotes.capture(services, n).id, what="note", field="note"
    )


@apologise_on_error
def save_modal(
    services: Services, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Confirms the note the form's ack saved, where the rep opened the form."""
    note_id = context.get(SAVED)
    if note_id is None:
        return  # refused, or handed back, in the form itself
    note = fieldnotes.saved_note(services, body["team"]["id"], note_id)
    post_privately(
        client, note.channel_id, note.author_id, render.saved(note), f"Saved note #{note.id}"
    )


def _note_from_view(
    services: Services, body: dict[str, Any], view: dict[str, Any]
) -> NewNote | Refusal:
    return fieldnotes.note_from_form(
        services,
        body["team"]["id"],
        body["user"]["id"],
        fieldnotes.FormOrigin.load(view.get("private_metadata")),
        account=input_value(view, "account"),
        text=input_value(view, "note") or "",
        tags=input_value(view, "tags"),
        deal=selected_option(view, "deal"),
    )
