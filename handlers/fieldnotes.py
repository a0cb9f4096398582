"""`/fieldnote`: the command, its Delete button and its modal."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.fieldnotes import blocks as render
from bot.fieldnotes import rules as fieldnotes
from bot.fieldnotes.rules import NoteDraft
from bot.refusals import Refusal
from bot.services import Services
from bot.slack.blocks import input_value, selected_option
from bot.slack.mrkdwn import escape
from handlers.common import ack_now, apologise_on_error, post_privately, refuse


def register(app: App, services: Services) -> None:
    @apologise_on_error
    def run_command(command: dict[str, Any], respond: Respond, client: WebClient) -> None:
        team, user = command["team_id"], command["user_id"]
        request = fieldnotes.read_command(command.get("text") or "")
        match request:
            case Refusal():
                refuse(respond, request)
            case fieldnotes.Help():
                respond(text=render.HELP, response_type="ephemeral")
            case fieldnotes.Search(words):
                page = fieldnotes.search(services, team, words)
                title = f"Notes matching *{escape(' '.join(words))}*, newest first:"
                empty = f"No notes match *{escape(' '.join(words))}*. Try fewer or shorter words."
                _respond_blocks(respond, render.note_list(title, page, empty), "Search results")
            case fieldnotes.Mine():
                page = fieldnotes.mine(services, team, user)
                empty = "You have no notes yet. " + render.HELP.splitlines()[1]
                _respond_blocks(respond, render.note_list("Your notes:", page, empty), "Your notes")
            case fieldnotes.Delete(note_id):
                delete_and_tell(respond, team, user, note_id, replace_original=False)
            case fieldnotes.Capture(""):
                recent = fieldnotes.deals_to_relate(services, team, user)
                view = render.capture_modal(command.get("channel_id"), recent)
                client.views_open(trigger_id=command["trigger_id"], view=view)
            case fieldnotes.Capture(text):
                draft = fieldnotes.parse_note(text)
                if isinstance(draft, Refusal):
                    refuse(respond, draft)
                    return
                note = fieldnotes.capture(services, team, user, command.get("channel_id"), draft)
                _respond_blocks(respond, render.saved(note), f"Saved note #{note.id}")

    def delete_and_tell(
        respond: Respond, team: str, user: str, note_id: int, *, replace_original: bool
    ) -> None:
        deleted = fieldnotes.delete(services, team, user, note_id)
        if isinstance(deleted, Refusal):
            refuse(respond, deleted)
            return
        respond(
            text=f":wastebasket: Deleted note #{note_id}.",
            response_type="ephemeral",
            replace_original=replace_original,
        )

    @apologise_on_error
    def delete_button(body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        """The Delete button replaces the confirmation it sits on, so it cannot be pressed twice."""
        team, user = body["team"]["id"], body["user"]["id"]
        delete_and_tell(respond, team, user, int(action["value"]), replace_original=True)

    def read_modal(body: dict[str, Any], view: dict[str, Any]) -> tuple[str, NoteDraft | Refusal]:
        """The submitted form as a draft, or the field to flag and why."""
        draft = _draft_from_view(view)
        if isinstance(draft, Refusal):
            return "note", draft
        deal = fieldnotes.related_deal(services, body["team"]["id"], selected_option(view, "deal"))
        if isinstance(deal, Refusal):
            return "deal", deal
        return "", replace(draft, deal_ref=deal)

    def validate_modal(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        """Validate on the server too: a blank note gets an inline error and nothing is saved."""
        field, draft = read_modal(body, view)
        if isinstance(draft, Refusal):
            ack(response_action="errors", errors={field: draft.message})
        else:
            ack()

    @apologise_on_error
    def save_modal(body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        _, draft = read_modal(body, view)
        if isinstance(draft, Refusal):
            return  # already refused inline by validate_modal
        team, user = body["team"]["id"], body["user"]["id"]
        channel = view.get("private_metadata") or None
        note = fieldnotes.capture(services, team, user, channel, draft)
        _confirm_privately(client, channel, user, note)

    app.command("/fieldnote")(ack=ack_now, lazy=[run_command])
    app.action(render.DELETE_ACTION)(ack=ack_now, lazy=[delete_button])
    app.view(render.MODAL_CALLBACK)(ack=validate_modal, lazy=[save_modal])


def _draft_from_view(view: dict[str, Any]) -> NoteDraft | Refusal:
    draft = NoteDraft(
        account=input_value(view, "account"),
        text=" ".join((input_value(view, "note") or "").split()),
        tags=fieldnotes.parse_tag_field(input_value(view, "tags")),
    )
    if not draft.text:
        return Refusal("Write what the customer said.")
    return fieldnotes.validate_draft(draft)


def _respond_blocks(respond: Respond, blocks: list[dict[str, Any]], fallback: str) -> None:
    respond(blocks=blocks, text=fallback, response_type="ephemeral", replace_original=False)


def _confirm_privately(client: WebClient, channel: str | None, user: str, note: Any) -> None:
    """Confirm where the note was started; in a DM when the bot cannot post in that channel."""
    post_privately(client, channel, user, render.saved(note), f"Saved note #{note.id}")
