"""`/promise`: the command, the promise buttons (in reminders, alerts, lists, App Home,
manager nudges) and the three promise modals."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot.delivery import send_dm
from bot.home import compose_home
from bot.promises import blocks as render
from bot.promises import dates, nudges, rollouts
from bot.promises import rules as promises
from bot.promises.blocks import Origin
from bot.refusals import Refusal
from bot.services import Services
from bot.slack import mrkdwn
from bot.slack.blocks import input_value, section, selected_date, selected_option
from handlers.common import ack_now, apologise_on_error, post_privately, refuse
from storage.promises import Promise


def register(app: App, services: Services) -> None:
    @apologise_on_error
    def run_command(command: dict[str, Any], respond: Respond, client: WebClient) -> None:
        team, user = command["team_id"], command["user_id"]
        request = promises.read_command(command.get("text") or "")
        match request:
            case Refusal():
                refuse(respond, request)
            case promises.Help():
                respond(text=render.HELP, response_type="ephemeral")
            case promises.ListMine():
                today = _today(user)
                blocks = render.promise_list(promises.mine(services, team, user), today)
                _respond_blocks(respond, blocks, "Your promises")
            case promises.Capture(""):
                view = render.capture_modal(
                    rollouts.all_rollouts(services, team),
                    command.get("channel_id"),
                    _today(user),
                )
                client.views_open(trigger_id=command["trigger_id"], view=view)
            case promises.Capture(text):
                draft = promises.parse_promise(services, team, user, text)
                if isinstance(draft, Refusal):
                    refuse(respond, draft)
                    return
                promise = promises.capture(services, team, user, command.get("channel_id"), draft)
                _respond_blocks(respond, _saved(promise), f"Saved promise #{promise.id}")
            case promises.Keep(promise_id):
                _reply(respond, promises.keep(services, team, user, promise_id))
            case promises.Break(promise_id, reason):
                _reply(respond, promises.break_promise(services, team, user, promise_id, reason))
            case promises.Move(promise_id, phrase):
                _reply(respond, promises.move(services, team, user, promise_id, phrase))
            case promises.Snooze(promise_id, phrase):
                _snoozed(respond, promises.snooze(services, team, user, promise_id, phrase))

    def _today(user: str) -> date:
        return dates.local_today(services.clock(), services.directory.timezone(user))

    def _saved(promise: Promise) -> list[dict[str, Any]]:
        return render.saved(promise, rollouts.rollout_for(services, promise))

    def _reply(respond: Respond, result: Promise | Refusal) -> None:
        if isinstance(result, Refusal):
            refuse(respond, result)
            return
        note = render.history(promises.history(services, result.id))
        _respond_blocks(respond, render.outcome(result, note), f"Promise #{result.id} updated")

    def _snoozed(respond: Respond, result: tuple[Promise, Any] | Refusal) -> None:
        if isinstance(result, Refusal):
            refuse(respond, result)
            return
        promise, remind_at = result
        if remind_at is None:
            text = (
                f":zzz: No reminder for promise #{promise.id}. Moving it turns reminders back on."
            )
        else:
            local = remind_at.astimezone(services.directory.timezone(promise.owner_id))
            text = f":alarm_clock: I'll remind you about promise #{promise.id} on {local:%A %d %B at %H:%M}."
        respond(text=text, response_type="ephemeral", replace_original=False)

    # ---- buttons ------------------------------------------------------------------------

    @apologise_on_error
    def kept_button(body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        team, user = body["team"]["id"], body["user"]["id"]
        origin = _origin(body, int(action["value"]))
        result = promises.keep(services, team, user, origin.promise_id)
        _show(client, body, origin, result)

    def _open_modal(
        body: dict[str, Any], action: dict[str, Any], client: WebClient, view: Any
    ) -> None:
        """Open a promise modal from a button, unless the presser may not change the promise."""
        origin = _origin(body, int(action["value"]))
        promise = promises.changeable_now(
            services, body["team"]["id"], body["user"]["id"], origin.promise_id
        )
        if isinstance(promise, Refusal):
            _tell(client, body, promise.message)
            return
        client.views_open(trigger_id=body["trigger_id"], view=view(promise, origin))

    @apologise_on_error
    def more_time_button(body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        def move_view(promise: Promise, origin: Origin) -> dict[str, Any]:
            return render.move_modal(promise, origin, max(promise.due_on, _today(promise.owner_id)))

        _open_modal(body, action, client, move_view)

    @apologise_on_error
    def broken_button(body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        _open_modal(body, action, client, render.broken_modal)

    @apologise_on_error
    def handling_button(body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        team, user = body["team"]["id"], body["user"]["id"]
        origin = _origin(body, int(action["value"]))
        result = promises.handle_risk(services, team, user, origin.promise_id)
        _show(client, body, origin, result, "You're handling it — your manager sees that too.")

    @apologise_on_error
    def remind_rep_button(body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        team, user = body["team"]["id"], body["user"]["id"]
        promise = nudges.ask_owner(services, team, user, int(action["value"]))
        if isinstance(promise, Refusal):
            _tell(client, body, promise.message)
        else:
            _tell(
                client, body, f"Sent <@{promise.owner_id}> a reminder about promise #{promise.id}."
            )

    @apologise_on_error
    def seen_button(body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        team, user = body["team"]["id"], body["user"]["id"]
        promise = nudges.seen_by_manager(services, team, user, int(action["value"]))
        if isinstance(promise, Refusal):
            _tell(client, body, promise.message)
        elif _origin(body, promise.id).home:
            _publish_home(client, team, user)
        else:
            _tell(client, body, f"Got it: promise #{promise.id} leaves your daily nudge.")

    # ---- modals -------------------------------------------------------------------------

    def validate_capture(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        draft = _draft_from_view(body["team"]["id"], view)
        if isinstance(draft, dict):
            ack(response_action="errors", errors=draft)
        else:
            ack()

    @apologise_on_error
    def save_capture(body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        team, user = body["team"]["id"], body["user"]["id"]
        draft = _draft_from_view(team, view)
        if isinstance(draft, dict):
            return  # refused inline by validate_capture
        channel = view.get("private_metadata") or None
        due_on = promises.not_past(services, user, draft.due_on)
        if isinstance(due_on, Refusal):
            _not_saved(client, channel, user, draft, due_on)
            return
        promise = promises.capture(services, team, user, channel, draft)
        post_privately(client, channel, user, _saved(promise), f"Saved promise #{promise.id}")

    def _draft_from_view(team: str, view: dict[str, Any]) -> promises.PromiseDraft | dict[str, str]:
        """The draft, or Slack's inline errors by block id.

        Only checks that never call Slack, as the ack runs them too (3-second rule); whether
        the date is past in the rep's own zone is checked by save_capture.
        """
        picked = selected_date(view, "due")
        if not picked:
            return {"due": "Pick the date."}
        due_on = date.fromisoformat(picked)
        past = promises.past_everywhere(services, due_on)
        if past is not None:
            return {"due": past.message[:150]}
        what = " ".join((input_value(view, "what") or "").split())
        if not what:
            return {"what": "Write what you promised."}
        draft = promises.PromiseDraft(
            what, input_value(view, "account"), due_on, selected_option(view, "rollout")
        )
        checked = promises.validate_draft(services, team, draft)
        if isinstance(checked, Refusal):
            block = "rollout" if draft.rollout_key and "rollout" in checked.message else "what"
            return {block: checked.message[:150]}
        return checked

    def _not_saved(
        client: WebClient,
        channel: str | None,
        user: str,
        draft: promises.PromiseDraft,
        refusal: Refusal,
    ) -> None:
        """The modal has closed when the exact check fails: say why where the rep started,
        quoting what they wrote, so nothing is dropped silently."""
        what = mrkdwn.escape(mrkdwn.excerpt(draft.text, 200))
        text = (
            f":warning: I didn't save “{what}”: {refusal.message} `/promise` opens the form again."
        )
        post_privately(client, channel, user, [section(text)], "Promise not saved")

    def validate_move(ack: Ack, view: dict[str, Any]) -> None:
        problem = _move_problem(view)
        if problem:
            ack(response_action="errors", errors={"due": problem[:150]})
        else:
            ack()

    def _move_problem(view: dict[str, Any]) -> str | None:
        """What the ack flags inline: only checks that never call Slack (3-second rule).

        Who may move the promise (an admin check for non-owners) and the date in the
        owner's zone are checked by promises.move in save_move, which reports a refusal.
        """
        picked = selected_date(view, "due")
        if not picked:
            return "Pick the new date."
        past = promises.past_everywhere(services, date.fromisoformat(picked))
        return past.message if past is not None else None

    @apologise_on_error
    def save_move(body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        if _move_problem(view):
            return  # refused inline by validate_move
        origin = Origin.load(view["private_metadata"])
        picked = date.fromisoformat(selected_date(view, "due") or "")
        result = promises.move(
            services, body["team"]["id"], body["user"]["id"], origin.promise_id, picked
        )
        note = ""
        if not isinstance(result, Refusal):
            note = render.history(promises.history(services, result.id))
        _show(client, body, origin, result, note)

    def validate_broken(ack: Ack, view: dict[str, Any]) -> None:
        if input_value(view, "why") is None:
            ack(
                response_action="errors", errors={"why": "Say why it broke, so your manager knows."}
            )
        else:
            ack()

    @apologise_on_error
    def save_broken(body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        why = input_value(view, "why")
        if why is None:
            return
        origin = Origin.load(view["private_metadata"])
        result = promises.break_promise(
            services, body["team"]["id"], body["user"]["id"], origin.promise_id, why
        )
        _show(client, body, origin, result)

    # ---- showing results where the button was pressed -----------------------------------

    def _show(
        client: WebClient,
        body: dict[str, Any],
        origin: Origin,
        result: Promise | Refusal,
        note: str = "",
    ) -> None:
        """Replace the pressed message (or Home tab) with the promise's new state."""
        if isinstance(result, Refusal):
            _tell(client, body, result.message)
            if origin.home:
                _publish_home(client, body["team"]["id"], body["user"]["id"])
            return
        blocks, text = render.outcome(result, note), f"Promise #{result.id} updated"
        if origin.home:
            _publish_home(client, body["team"]["id"], body["user"]["id"])
        elif origin.response_url:
            WebhookClient(origin.response_url).send(text=text, blocks=blocks, replace_original=True)
        elif origin.channel and origin.ts:
            client.chat_update(channel=origin.channel, ts=origin.ts, blocks=blocks, text=text)
        else:
            send_dm(services, body["user"]["id"], blocks, text)

    def _tell(client: WebClient, body: dict[str, Any], text: str) -> None:
        """A private note to whoever pressed: ephemeral where possible, else a DM."""
        url = body.get("response_url")
        if url:
            WebhookClient(url).send(text=text, response_type="ephemeral", replace_original=False)
        else:
            client.chat_postMessage(channel=body["user"]["id"], text=text)

    def _publish_home(client: WebClient, team: str, user: str) -> None:
        client.views_publish(user_id=user, view=compose_home(services, team, user))

    app.command("/promise")(ack=ack_now, lazy=[run_command])
    app.action(render.KEPT_ACTION)(ack=ack_now, lazy=[kept_button])
    app.action(render.MORE_TIME_ACTION)(ack=ack_now, lazy=[more_time_button])
    app.action(render.BROKEN_ACTION)(ack=ack_now, lazy=[broken_button])
    app.action(render.HANDLING_ACTION)(ack=ack_now, lazy=[handling_button])
    app.action(render.REMIND_REP_ACTION)(ack=ack_now, lazy=[remind_rep_button])
    app.action(render.SEEN_ACTION)(ack=ack_now, lazy=[seen_button])
    app.view(render.CAPTURE_MODAL)(ack=validate_capture, lazy=[save_capture])
    app.view(render.MOVE_MODAL)(ack=validate_move, lazy=[save_move])
    app.view(render.BROKEN_MODAL)(ack=validate_broken, lazy=[save_broken])


def _origin(body: dict[str, Any], promise_id: int) -> Origin:
    """Where the button was pressed: the Home tab, an ephemeral message, or a real message."""
    container = body.get("container") or {}
    if container.get("type") == "view":
        return Origin(promise_id, home=True)
    if container.get("is_ephemeral"):
        return Origin(promise_id, response_url=body.get("response_url"))
    return Origin(promise_id, channel=container.get("channel_id"), ts=container.get("message_ts"))


def _respond_blocks(respond: Respond, blocks: list[dict[str, Any]], fallback: str) -> None:
    respond(blocks=blocks, text=fallback, response_type="ephemeral", replace_original=False)
