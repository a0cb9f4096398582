"""`/promise`: the command, the promise buttons (in reminders, alerts, lists, App Home,
manager nudges) and the three promise modals."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot.delivery import send_dm
from bot.home import compose_home
from bot.promises import blocks as render
from bot.promises import commands, dates, nudges, rollouts
from bot.promises import rules as promises
from bot.promises.blocks import Origin
from bot.refusals import Refusal
from bot.services import Services
from bot.slack import mrkdwn
from bot.slack.blocks import Blocks, input_value, section, selected_date, selected_option
from handlers.common import (
    SAVED,
    Answer,
    ack_now,
    answer_form,
    apologise_on_error,
    hands_back_on_error,
    post_privately,
    pressed_on_home,
    required_text,
    save_before_closing,
    tell,
    with_services,
)
from storage.promises import Promise

ModalView = Callable[[Promise, Origin], dict[str, Any]]
WHY_MISSING = "Say why it broke, so your manager knows."
SAVE_LATER = "perspective_save_later"  # Bolt context key: the ack left the saving to its lazy half


def register(app: App, services: Services) -> None:
    bind = with_services(services)
    app.command("/promise", matchers=[bind(answered_later)])(ack=ack_now, lazy=[bind(run_command)])
    app.command("/promise")(bind(answer_command))
    app.action(render.KEPT_ACTION)(ack=ack_now, lazy=[bind(kept_button)])
    app.action(render.MORE_TIME_ACTION)(ack=ack_now, lazy=[bind(more_time_button)])
    app.action(render.BROKEN_ACTION)(ack=ack_now, lazy=[bind(broken_button)])
    app.action(render.HANDLING_ACTION)(ack=ack_now, lazy=[bind(handling_button)])
    app.action(render.REMIND_REP_ACTION)(ack=ack_now, lazy=[bind(remind_rep_button)])
    app.action(render.SEEN_ACTION)(ack=ack_now, lazy=[bind(seen_button)])
    app.action(render.NEW_PROMISE_ACTION)(ack=ack_now, lazy=[bind(open_blank_form)])
    app.global_shortcut(render.NEW_PROMISE_SHORTCUT)(ack=ack_now, lazy=[bind(open_blank_form)])
    app.view(render.CAPTURE_MODAL)(ack=bind(validate_capture), lazy=[bind(save_capture)])
    app.view(render.MOVE_MODAL)(ack=bind(validate_move), lazy=[bind(save_move)])
    app.view(render.BROKEN_MODAL)(ack=validate_broken, lazy=[bind(save_broken)])


# ---- the command ------------------------------------------------------------------------


def answered_later(services: Services, body: dict[str, Any]) -> bool:
    """The form needs Slack, and so does a rep whose time zone is not known yet (due dates
    are read in it); everything else is answered in the ack."""
    asks_for_form = commands.read_command(body.get("text") or "") == commands.Capture("")
    return asks_for_form or not services.directory.knows(body["user_id"])


@hands_back_on_error("promise")
def answer_command(services: Services, ack: Ack, command: dict[str, Any]) -> None:
    """Saved before Slack hears back, so an acknowledged promise is a stored promise."""
    _run(services, command, Answer.in_ack(ack))


@apologise_on_error
def run_command(
    services: Services, command: dict[str, Any], respond: Respond, client: WebClient
) -> None:
    if commands.read_command(command.get("text") or "") == commands.Capture(""):
        team, user = command["team_id"], command["user_id"]
        _open_form(services, client, team, user, command["trigger_id"], command.get("channel_id"))
    else:
        _run(services, command, Answer.later(respond))


@apologise_on_error
def open_blank_form(services: Services, body: dict[str, Any], client: WebClient) -> None:
    """The New promise button (Home, welcome) and shortcut: no channel comes with either, so
    the confirmation goes to the rep's DM."""
    team, user = body["team"]["id"], body["user"]["id"]
    _open_form(services, client, team, user, body["trigger_id"], None)


def _open_form(
    services: Services,
    client: WebClient,
    team: str,
    user: str,
    trigger_id: str,
    channel: str | None,
) -> None:
    view = render.capture_modal(
        rollouts.all_rollouts(services, team), channel, _today(services, user)
    )
    client.views_open(trigger_id=trigger_id, view=view)


def _run(services: Services, command: dict[str, Any], answer: Answer) -> None:
    team, user = command["team_id"], command["user_id"]
    request = commands.read_command(command.get("text") or "")
    match request:
        case Refusal():
            answer.say(request)
        case commands.Help():
            answer.say(render.HELP)
        case commands.ListMine():
            blocks = render.promise_list(
                promises.mine(services, team, user), _today(services, user)
            )
            answer.blocks(blocks, "Your promises")
        case commands.Capture(text):
            _capture_typed(services, command, text, answer)
        case commands.Keep(promise_id):
            _tell_outcome(services, answer, promises.keep(services, team, user, promise_id))
        case commands.Break(promise_id, reason):
            broken = promises.break_promise(services, team, user, promise_id, reason)
            _tell_outcome(services, answer, broken)
        case commands.Move(promise_id, phrase):
            moved = promises.move(services, team, user, promise_id, phrase)
            _tell_outcome(services, answer, moved)
        case commands.Snooze(promise_id, phrase):
            snoozed = promises.snooze(services, team, user, promise_id, phrase)
            _say_snoozed(services, answer, snoozed)


def _capture_typed(services: Services, command: dict[str, Any], text: str, answer: Answer) -> None:
    team, user, channel = command["team_id"], command["user_id"], command.get("channel_id")
    draft = promises.parse_promise(services, team, user, text)
    if isinstance(draft, Refusal):
        answer.say(draft)
        return
    promise = promises.capture(services, team, user, channel, draft)
    answer.blocks(_saved(services, promise), f"Saved promise #{promise.id}")


def _today(services: Services, user: str) -> date:
    return dates.local_today(services.clock(), services.directory.timezone(user))


def _saved(services: Services, promise: Promise) -> Blocks:
    return render.saved(promise, rollouts.rollout_for(services, promise))


def _tell_outcome(services: Services, answer: Answer, result: Promise | Refusal) -> None:
    if isinstance(result, Refusal):
        answer.say(result)
        return
    note = render.history(promises.history(services, result.id))
    answer.blocks(render.outcome(result, note), f"Promise #{result.id} updated")


def _say_snoozed(
    services: Services, answer: Answer, result: tuple[Promise, datetime | None] | Refusal
) -> None:
    if isinstance(result, Refusal):
        answer.say(result)
        return
    promise, remind_at = result
    if remind_at is None:
        answer.say(
            f":zzz: No reminder for promise #{promise.id}. Moving it turns reminders back on."
        )
        return
    local = remind_at.astimezone(services.directory.timezone(promise.owner_id))
    answer.say(
        f":alarm_clock: I'll remind you about promise #{promise.id} on {local:%A %d %B at %H:%M}."
    )


# ---- buttons ----------------------------------------------------------------------------


@apologise_on_error
def kept_button(
    services: Services, body: dict[str, Any], action: dict[str, Any], client: WebClient
) -> None:
    origin = _origin(body, int(action["value"]))
    result = promises.keep(services, body["team"]["id"], body["user"]["id"], origin.promise_id)
    _show(services, client, body, origin, result)


@apologise_on_error
def more_time_button(
    services: Services, body: dict[str, Any], action: dict[str, Any], client: WebClient
) -> None:
    def move_view(promise: Promise, origin: Origin) -> dict[str, Any]:
        earliest = max(promise.due_on, _today(services, promise.owner_id))
        return render.move_modal(promise, origin, earliest)

    _open_modal(services, body, action, client, move_view)


@apologise_on_error
def broken_button(
    services: Services, body: dict[str, Any], action: dict[str, Any], client: WebClient
) -> None:
    _open_modal(services, body, action, client, render.broken_modal)


def _open_modal(
    services: Services,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    view: ModalView,
) -> None:
    """Open a promise modal from a button, unless the presser may not change the promise."""
    origin = _origin(body, int(action["value"]))
    promise = promises.changeable_now(
        services, body["team"]["id"], body["user"]["id"], origin.promise_id
    )
    if isinstance(promise, Refusal):
        tell(client, body, promise.message)
        return
    client.views_open(trigger_id=body["trigger_id"], view=view(promise, origin))


@apologise_on_error
def handling_button(
    services: Services, body: dict[str, Any], action: dict[str, Any], client: WebClient
) -> None:
    origin = _origin(body, int(action["value"]))
    result = promises.handle_risk(
        services, body["team"]["id"], body["user"]["id"], origin.promise_id
    )
    _show(
        services, client, body, origin, result, "You're handling it — your manager sees that too."
    )


@apologise_on_error
def remind_rep_button(
    services: Services, body: dict[str, Any], action: dict[str, Any], client: WebClient
) -> None:
    team, user = body["team"]["id"], body["user"]["id"]
    promise = nudges.ask_owner(services, team, user, int(action["value"]))
    if isinstance(promise, Refusal):
        tell(client, body, promise.message)
    else:
        tell(client, body, f"Sent <@{promise.owner_id}> a reminder about promise #{promise.id}.")


@apologise_on_error
def seen_button(
    services: Services, body: dict[str, Any], action: dict[str, Any], client: WebClient
) -> None:
    team, user = body["team"]["id"], body["user"]["id"]
    promise = nudges.seen_by_manager(services, team, user, int(action["value"]))
    if isinstance(promise, Refusal):
        tell(client, body, promise.message)
    elif pressed_on_home(body):
        _publish_home(services, client, team, user)
    else:
        tell(client, body, f"Got it: promise #{promise.id} leaves your daily nudge.")


# ---- modals -----------------------------------------------------------------------------


def validate_capture(
    services: Services, ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    """Saved before the form closes when the rep's zone is cached (the exact past-date check
    and the due instant need it); otherwise checked here and saved once Slack has said it."""
    team, user = body["team"]["id"], body["user"]["id"]
    draft = _draft_from_view(services, team, view)
    if isinstance(draft, Refusal) or not services.directory.knows(user):
        context[SAVE_LATER] = not isinstance(draft, Refusal)
        answer_form(ack, draft)
        return
    channel = view.get("private_metadata") or None
    save_before_closing(
        ack,
        context,
        _not_past(services, user, draft),
        lambda checked: promises.capture(services, team, user, channel, checked).id,
        what="promise",
        field="what",
    )


@apologise_on_error
def save_capture(
    services: Services,
    body: dict[str, Any],
    view: dict[str, Any],
    client: WebClient,
    context: BoltContext,
) -> None:
    team, user = body["team"]["id"], body["user"]["id"]
    channel = view.get("private_metadata") or None
    if context.get(SAVE_LATER):
        promise = _save_after_closing(services, client, team, user, channel, view)
    elif context.get(SAVED) is not None:
        promise = promises.saved_promise(services, team, context[SAVED])
    else:
        return  # refused, or handed back, in the form itself
    if promise is not None:
        blocks = _saved(services, promise)
        post_privately(client, channel, user, blocks, f"Saved promise #{promise.id}")


def _not_past(
    services: Services, user: str, draft: promises.PromiseDraft
) -> promises.PromiseDraft | Refusal:
    due_on = promises.not_past(services, user, draft.due_on)
    return Refusal(due_on.message, field="due") if isinstance(due_on, Refusal) else draft


def _save_after_closing(
    services: Services,
    client: WebClient,
    team: str,
    user: str,
    channel: str | None,
    view: dict[str, Any],
) -> Promise | None:
    draft = _draft_from_view(services, team, view)
    if isinstance(draft, Refusal):
        return None
    due_on = promises.not_past(services, user, draft.due_on)
    if isinstance(due_on, Refusal):
        _not_saved(client, channel, user, draft, due_on)
        return None
    return promises.capture(services, team, user, channel, draft)


def _draft_from_view(
    services: Services, team: str, view: dict[str, Any]
) -> promises.PromiseDraft | Refusal:
    return promises.draft_from_form(
        services,
        team,
        _picked_date(view),
        input_value(view, "what") or "",
        input_value(view, "account"),
        selected_option(view, "rollout"),
    )


def _picked_date(view: dict[str, Any]) -> date | None:
    picked = selected_date(view, "due")
    return date.fromisoformat(picked) if picked else None


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
    text = f":warning: I didn't save “{what}”: {refusal.message} `/promise` opens the form again."
    post_privately(client, channel, user, [section(text)], "Promise not saved")


def validate_move(services: Services, ack: Ack, view: dict[str, Any]) -> None:
    answer_form(ack, promises.new_date_problem(services, _picked_date(view)))


@apologise_on_error
def save_move(
    services: Services, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    picked = _picked_date(view)
    if picked is None or promises.new_date_problem(services, picked):
        return  # refused inline by validate_move
    origin = Origin.load(view["private_metadata"])
    result = promises.move(
        services, body["team"]["id"], body["user"]["id"], origin.promise_id, picked
    )
    note = ""
    if not isinstance(result, Refusal):
        note = render.history(promises.history(services, result.id))
    _show(services, client, body, origin, result, note)


def validate_broken(ack: Ack, view: dict[str, Any]) -> None:
    answer_form(ack, required_text(view, "why", WHY_MISSING))


@apologise_on_error
def save_broken(
    services: Services, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    why = required_text(view, "why", WHY_MISSING)
    if isinstance(why, Refusal):
        return  # refused inline by validate_broken
    origin = Origin.load(view["private_metadata"])
    result = promises.break_promise(
        services, body["team"]["id"], body["user"]["id"], origin.promise_id, why
    )
    _show(services, client, body, origin, result)


# ---- showing results where the button was pressed ---------------------------------------


def _origin(body: dict[str, Any], promise_id: int) -> Origin:
    """Where the button was pressed: the Home tab, an ephemeral message, or a real message."""
    container = body.get("container") or {}
    if pressed_on_home(body):
        return Origin(promise_id, home=True)
    if container.get("is_ephemeral"):
        return Origin(promise_id, response_url=body.get("response_url"))
    shown = render.promise_ids_in((body.get("message") or {}).get("blocks") or [])
    return Origin(
        promise_id,
        channel=container.get("channel_id"),
        ts=container.get("message_ts"),
        shown=tuple(shown) if len(shown) > 1 else (),
    )


def _show(
    services: Services,
    client: WebClient,
    body: dict[str, Any],
    origin: Origin,
    result: Promise | Refusal,
    note: str = "",
) -> None:
    """Replace the pressed message (or Home tab) with the promise's new state."""
    team, user = body["team"]["id"], body["user"]["id"]
    if isinstance(result, Refusal):
        tell(client, body, result.message)
        if origin.home:
            _publish_home(services, client, team, user)
        return
    blocks, text = _answered(services, team, user, origin, result, note)
    if origin.home:
        _publish_home(services, client, team, user)
    elif origin.response_url:
        WebhookClient(origin.response_url).send(text=text, blocks=blocks, replace_original=True)
    elif origin.channel and origin.ts:
        client.chat_update(channel=origin.channel, ts=origin.ts, blocks=blocks, text=text)
    else:
        send_dm(services, user, blocks, text)


def _answered(
    services: Services, team: str, user: str, origin: Origin, result: Promise, note: str
) -> tuple[Blocks, str]:
    """The pressed message as it reads now: the promise's outcome, or in a reminder of
    several promises, that outcome in its place and the others still to answer."""
    text = f"Promise #{result.id} updated"
    if not origin.shown:
        return render.outcome(result, note), text
    shown = promises.shown_promises(services, team, list(origin.shown))
    today = rollouts.today_for(services, user)
    return render.reminders_after_answer(shown, today, result, note), text


def _publish_home(services: Services, client: WebClient, team: str, user: str) -> None:
    client.views_publish(user_id=user, view=compose_home(services, team, user))
