"""`/fieldnote`: the command, its Delete button and its modal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.digests import recognition
from bot.fieldnotes import blocks as render
from bot.fieldnotes import rules as fieldnotes
from bot.refusals import Refusal
from bot.services import Services
from bot.slack.blocks import input_value, selected_option
from bot.slack.mrkdwn import escape
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


def register(app: App, services: Services) -> None:
    bind = with_services(services)
    # Only the form needs Slack (views.open); everything else is answered in the ack.
    app.command("/fieldnote", matchers=[asks_for_the_form])(ack=ack_now, lazy=[bind(open_form)])
    app.command("/fieldnote")(bind(answer_command))
    app.action(render.DELETE_ACTION)(ack=ack_now, lazy=[bind(delete_button)])
    app.view(render.MODAL_CALLBACK)(ack=bind(validate_modal), lazy=[bind(save_modal)])


def asks_for_the_form(body: dict[str, Any]) -> bool:
    return fieldnotes.read_command(body.get("text") or "") == fieldnotes.Capture("")


@apologise_on_error
def open_form(
    services: Services, command: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    """`respond` is there for the apology when Slack refuses the form."""
    recent = fieldnotes.deals_to_relate(services, command["team_id"], command["user_id"])
    view = render.capture_modal(command.get("channel_id"), recent)
    client.views_open(trigger_id=command["trigger_id"], view=view)


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
        view.get("private_metadata") or None,
        account=input_value(view, "account"),
        text=input_value(view, "note") or "",
        tags=input_value(view, "tags"),
        deal=selected_option(view, "deal"),
    )
