"""Block Kit building blocks shared by every feature's renderer.

Only structure lives here; user text must already be escaped by `bot.slack.mrkdwn`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

Block = dict[str, Any]
Blocks = list[Block]


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def section(text: str, accessory: Block | None = None) -> Block:
    block: Block = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    if accessory is not None:
        block["accessory"] = accessory
    return block


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text[:150])}


def divider() -> Block:
    return {"type": "divider"}


def button(
    text: str,
    action_id: str,
    value: str,
    *,
    style: str | None = None,
    confirm: tuple[str, str, str] | None = None,
) -> Block:
    """A button; `confirm` is (title, question, confirm-label) for a "Are you sure?" dialog."""
    element: Block = {"type": "button", "text": plain(text), "action_id": action_id, "value": value}
    if style:
        element["style"] = style
    if confirm:
        title, question, label = confirm
        element["confirm"] = {
            "title": plain(title),
            "text": plain(question),
            "confirm": plain(label),
            "deny": plain("Cancel"),
        }
    return element


def option(value: str, label: str) -> Block:
    """One choice of a select, radio buttons or checkboxes; labels cut to Slack's 75 characters."""
    return {"text": plain(label[:75]), "value": value}


def static_select(
    options: dict[str, str], initial: str | None = None, placeholder: str | None = None
) -> Block:
    """A select (action id "value") over {value: label}."""
    return _choice("static_select", options, initial, placeholder)


def radio_buttons(options: dict[str, str], initial: str | None = None) -> Block:
    """Radio buttons (action id "value") over {value: label}: few choices, all in view."""
    return _choice("radio_buttons", options, initial)


def _choice(
    kind: str, options: dict[str, str], initial: str | None, placeholder: str | None = None
) -> Block:
    element: Block = {
        "type": kind,
        "action_id": "value",
        "options": [option(key, label) for key, label in options.items()],
    }
    if placeholder:
        element["placeholder"] = plain(placeholder)
    if initial in options:
        element["initial_option"] = option(initial, options[initial])
    return element


def checkboxes(options: dict[str, str], initial: list[str] | None = None) -> Block:
    """Checkboxes (action id "value") over {value: label}, the `initial` ones ticked."""
    element: Block = {
        "type": "checkboxes",
        "action_id": "value",
        "options": [option(key, label) for key, label in options.items()],
    }
    ticked = [option(key, options[key]) for key in initial or [] if key in options]
    if ticked:
        element["initial_options"] = ticked
    return element


def conversations_select(placeholder: str = "Pick a channel") -> Block:
    """A picker of one public or private channel (action id "value"), never a DM."""
    return {
        "type": "conversations_select",
        "action_id": "value",
        "placeholder": plain(placeholder),
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
    }


def timepicker(initial: str | None = None) -> Block:
    """A time-of-day picker (action id "value"); `initial` is "HH:mm"."""
    element: Block = {"type": "timepicker", "action_id": "value", "placeholder": plain("Time")}
    if initial:
        element["initial_time"] = initial
    return element


def input_block(block_id: str, label: str, element: Block, *, optional: bool = False) -> Block:
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": plain(label),
        "element": element,
    }


def users_select(initial: str | None = None, placeholder: str = "Pick a person") -> Block:
    """A picker of one workspace member (action id "value")."""
    element: Block = {
        "type": "users_select",
        "action_id": "value",
        "placeholder": plain(placeholder),
    }
    if initial:
        element["initial_user"] = initial
    return element


def multi_users_select(
    initial: list[str] | None = None, placeholder: str = "Pick people", max_selected: int = 100
) -> Block:
    """A picker of several workspace members (action id "value")."""
    element: Block = {
        "type": "multi_users_select",
        "action_id": "value",
        "placeholder": plain(placeholder),
        "max_selected_items": max_selected,
    }
    if initial:
        element["initial_users"] = initial
    return element


def date_input(block_id: str, label: str, initial: date) -> Block:
    """An input block holding a date picker (action id "value") that starts on `initial`."""
    element: Block = {
        "type": "datepicker",
        "action_id": "value",
        "initial_date": initial.isoformat(),
    }
    return input_block(block_id, label, element)


def actions(*elements: Block, block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements)}
    if block_id:
        block["block_id"] = block_id
    return block


def text_input(
    block_id: str,
    label: str,
    placeholder: str = "",
    *,
    optional: bool = False,
    multiline: bool = False,
    max_length: int | None = None,
    initial: str | None = None,
) -> Block:
    element: Block = {"type": "plain_text_input", "action_id": "value", "multiline": multiline}
    if placeholder:
        element["placeholder"] = plain(placeholder)
    if max_length:
        element["max_length"] = max_length
    if initial:
        element["initial_value"] = initial
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": plain(label),
        "element": element,
    }


def modal(
    callback_id: str, title: str, blocks: Blocks, *, submit: str = "Save", metadata: str = ""
) -> Block:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": metadata,
        "title": plain(title),
        "submit": plain(submit),
        "close": plain("Cancel"),
        "blocks": blocks,
    }


def _state(view: Block, block_id: str) -> Block:
    """What Slack sent for the input `block_id` (action id "value") of a submitted view:
    `{type, value | selected_date | selected_time | selected_option(s) | selected_user(s) |
    selected_conversation …}`."""
    return view.get("state", {}).get("values", {}).get(block_id, {}).get("value") or {}


def input_value(view: Block, block_id: str) -> str | None:
    """The stripped text of an input (action id "value") in a submitted view, or None if blank."""
    value = _state(view, block_id).get("value")
    if value is None:
        return None
    return value.strip() or None


def day(when: date) -> str:
    """`Tue 15 Dec 2026`: the one style of a calendar day (a due date, a ship date) in every
    message; a day has no time zone, so it is written out, not shown as a Slack date token."""
    return f"{when:%a} {when.day} {when:%b %Y}"


def moment(when: datetime) -> str:
    """An instant (a note saved, a deal closed) as a Slack date token, so each reader sees
    it in their own zone; clients that cannot render it show the UTC day."""
    fallback = day(when.astimezone(UTC).date())
    return f"<!date^{int(when.timestamp())}^{{date_short_pretty}}|{fallback}>"


def selected_date(view: Block, block_id: str) -> str | None:
    """The ISO date picked in a datepicker (action id "value") of a submitted view."""
    return _state(view, block_id).get("selected_date") or None


def selected_option(view: Block, block_id: str) -> str | None:
    """The value of the option chosen in a select (action id "value"), or None."""
    return (_state(view, block_id).get("selected_option") or {}).get("value") or None


def selected_options(view: Block, block_id: str) -> list[str]:
    """The values of the ticked checkboxes (action id "value"); [] when none is ticked."""
    return [o["value"] for o in _state(view, block_id).get("selected_options") or []]


def selected_conversation(view: Block, block_id: str) -> str | None:
    """The channel picked in a conversations_select (action id "value"), or None."""
    return _state(view, block_id).get("selected_conversation") or None


def selected_time(view: Block, block_id: str) -> str | None:
    """The "HH:mm" picked in a timepicker (action id "value"), or None when left empty."""
    return _state(view, block_id).get("selected_time") or None


def selected_user(view: Block, block_id: str) -> str | None:
    """The member picked in a users_select (action id "value"); None when left empty."""
    return _state(view, block_id).get("selected_user") or None


def selected_users(view: Block, block_id: str) -> list[str]:
    """The members picked in a multi_users_select (action id "value"), in the order picked."""
    return list(_state(view, block_id).get("selected_users") or [])
