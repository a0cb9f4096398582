"""Forms as the sandbox fills them in: inputs found by label, values in Slack's state shape.

Slack sends a submitted form's values as `state.values[block_id][action_id]`, each in
the shape of its element; `set Label: value` builds exactly that, so the app's own
form readers (`bot.slack.blocks.input_value`, `selected_option`, …) read it back.
"""

from __future__ import annotations

from datetime import date

from bot.refusals import Refusal
from bot.sandbox.surface import Args, Surface, plain_text
from bot.sandbox.workspace import BY_NAME, TEAM


def inputs(form: Surface) -> list[Args]:
    return [b for b in form.blocks if b.get("type") == "input" and "block_id" in b]


def input_named(form: Surface, label: str) -> Args | None:
    """The input whose label is `label` (case and a trailing `?` aside), else the first
    whose label starts with it."""
    wanted = label.lower().rstrip("?")
    labels = [(plain_text(b.get("label")).lower().rstrip("?"), b) for b in inputs(form)]
    exact = [block for text, block in labels if text == wanted]
    return (exact or [block for text, block in labels if text.startswith(wanted)] or [None])[0]


def label_of(form: Surface, block_id: str) -> str:
    for block in inputs(form):
        if block["block_id"] == block_id:
            return plain_text(block.get("label"))
    return block_id


def fill(form: Surface, block: Args, value: str) -> Refusal | None:
    """Put `value` in the input as Slack would once it was typed or picked."""
    element = block["element"]
    state = element_state(element, value)
    if isinstance(state, Refusal):
        return state
    form.state[block["block_id"]] = {element.get("action_id", "value"): state}
    return None


def view_payload(form: Surface, hash_: str) -> Args:
    """The `view` of a block action or submission: what is on the form and what it holds,
    untouched inputs with their initial values, as Slack sends them."""
    view = form.view or {}
    values = {
        block["block_id"]: {
            block["element"].get("action_id", "value"): initial_state(block["element"])
        }
        for block in inputs(form)
    }
    values.update(form.state)
    return {
        "id": view.get("id", ""),
        "team_id": TEAM,
        "type": view.get("type", "modal"),
        "callback_id": view.get("callback_id", ""),
        "private_metadata": view.get("private_metadata", ""),
        "title": view.get("title"),
        "blocks": form.blocks,
        "state": {"values": values},
        "hash": hash_,
    }


def initial_state(element: Args) -> Args:
    """What Slack sends for an input nobody touched: its initial value, if any."""
    kind = element.get("type")
    state: Args = {"type": kind}
    if kind == "plain_text_input":
        state["value"] = element.get("initial_value")
    elif kind in ("static_select", "radio_buttons"):
        state["selected_option"] = element.get("initial_option")
    elif kind == "datepicker":
        state["selected_date"] = element.get("initial_date")
    elif kind == "checkboxes":
        state["selected_options"] = element.get("initial_options") or []
    elif kind == "users_select":
        state["selected_user"] = element.get("initial_user")
    return state


def element_state(element: Args, value: str) -> Args | Refusal:
    """The state Slack would send once `value` was entered in this input."""
    kind = element.get("type")
    if kind == "plain_text_input":
        return {"type": kind, "value": value}
    if kind in ("static_select", "radio_buttons"):
        return _option(element, value)
    if kind == "datepicker":
        try:
            date.fromisoformat(value)
        except ValueError:
            return Refusal(f"{value!r} is not a date; write it as 2026-12-01")
        return {"type": kind, "selected_date": value}
    if kind == "checkboxes":
        if value.lower() not in ("yes", "no"):
            return Refusal("a checkbox takes `yes` or `no`")
        chosen = element.get("options", [])[:1] if value.lower() == "yes" else []
        return {"type": kind, "selected_options": chosen}
    if kind == "users_select":
        person = BY_NAME.get(value.removeprefix("@").lower())
        if person is None:
            return Refusal(f"no one called {value!r}; try one of: {', '.join(BY_NAME)}")
        return {"type": kind, "selected_user": person.user_id}
    return Refusal(f"the sandbox cannot fill in a {kind} yet")


def _option(element: Args, value: str) -> Args | Refusal:
    options = element.get("options") or []
    for option in options:
        if plain_text(option.get("text")).lower() == value.lower():
            return {"type": element.get("type"), "selected_option": option}
    names = ", ".join(plain_text(o.get("text")) for o in options)
    return Refusal(f"{value!r} is not one of the choices: {names}")
