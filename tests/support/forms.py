"""Driving the set-up forms as Slack does: open one from `/perspective`, then submit it with
element states shaped like Slack's (`selected_user`, `selected_users`, `selected_date`,
`selected_option`; empty pickers as null or [])."""

from __future__ import annotations

from typing import Any

from bot.slack.fake import submitted_state
from tests.support.bot import ADMIN, RunningBot
from tests.support.messages import view_of
from tests.support.slack_requests import Reply

State = dict[str, Any]


def open_form(bot: RunningBot, text: str, user: str = ADMIN) -> dict[str, Any]:
    """`/perspective TEXT` that opens a form: the view Slack accepted in `views.open`."""
    reply, _ = bot.slack.command("/perspective", text, user=user)
    assert reply.status == 200 and reply.body == ""
    return view_of(bot.fake.wait_for("views.open")[-1])


def submit(
    bot: RunningBot, view: dict[str, Any], values: dict[str, Any], user: str = ADMIN
) -> Reply:
    """Submit `view` as its form, carrying its private metadata back as Slack does."""
    return bot.slack.view_submission(
        view["callback_id"], values, user=user, private_metadata=view["private_metadata"]
    )


def errors_of(reply: Reply) -> dict[str, str]:
    """The inline errors a form's ack answered with (the form stays open)."""
    body = reply.json()
    assert reply.status == 200 and body["response_action"] == "errors", reply.body
    return body["errors"]


def closed(reply: Reply) -> bool:
    """An empty ack: Slack closes the form."""
    return reply.status == 200 and reply.body == ""


def filled(view: dict[str, Any], picks: dict[str, Any]) -> dict[str, State]:
    """Every input of `view` as Slack submits it, holding `picks` (block id → plain value);
    the inputs not named keep the view's initial value, as a person leaves them."""
    values = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        picked = picks[block["block_id"]] if block["block_id"] in picks else _initial(element)
        values[block["block_id"]] = submitted_state(element, picked)
    return values


def _initial(element: dict[str, Any]) -> Any:
    for key in ("initial_time", "initial_date", "initial_user", "initial_value"):
        if key in element:
            return element[key]
    if "initial_option" in element:
        return element["initial_option"]["value"]
    return [o["value"] for o in element.get("initial_options", [])] or None


def user_picked(user: str | None) -> State:
    return {"type": "users_select", "selected_user": user}


def users_picked(*users: str) -> State:
    return {"type": "multi_users_select", "selected_users": list(users)}


def date_picked(day: str | None) -> State:
    return {"type": "datepicker", "selected_date": day}


def option_picked(value: str | None) -> State:
    option = (
        None if value is None else {"text": {"type": "plain_text", "text": value}, "value": value}
    )
    return {"type": "static_select", "selected_option": option}


def element_types(view: dict[str, Any]) -> dict[str, str]:
    """Each input block's id → the type of its element."""
    return {b["block_id"]: b["element"]["type"] for b in view["blocks"] if b["type"] == "input"}
