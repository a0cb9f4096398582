"""Block Kit as lines of text for the terminal: what a person would read in Slack.

Each line carries a style (`header`, `context`, `button`, …) so the printer can colour
it on a terminal and leave it plain in a file; bold stays as `*…*` for it to read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.sandbox.surface import Surface, buttons_of, plain_text, readable

Args = dict[str, Any]


@dataclass(frozen=True)
class Line:
    text: str
    style: str = "text"  # header, text, field, context, button, input, error, divider


def surface_lines(surface: Surface) -> list[Line]:
    """A surface's blocks as lines; its buttons numbered from 1 in reading order."""
    numbers = {id(b.element): n for n, b in enumerate(buttons_of(surface.blocks), start=1)}
    lines: list[Line] = []
    if not surface.blocks and surface.text:
        lines.extend(_text_lines(readable(surface.text), "text"))
    for block in surface.blocks:
        lines.extend(block_lines(block, numbers, surface.state))
    return lines


def block_lines(block: Args, numbers: dict[int, int], state: dict[str, Args]) -> list[Line]:
    match block.get("type"):
        case "header":
            return [Line(plain_text(block.get("text")), "header")]
        case "section":
            lines = _text_lines(plain_text(block.get("text")), "text") if block.get("text") else []
            fields = [plain_text(f) for f in block.get("fields") or []]
            lines += [
                Line("  " + "   ".join(fields[i : i + 2]), "field")
                for i in range(0, len(fields), 2)
            ]
            accessory = block.get("accessory") or {}
            if id(accessory) in numbers:
                lines.append(Line(_button(accessory, numbers), "button"))
            return lines
        case "context":
            words = " · ".join(plain_text(e) for e in block.get("elements") or [] if "text" in e)
            return _text_lines(words, "context")
        case "actions":
            pressable = [e for e in block.get("elements") or [] if id(e) in numbers]
            return [Line(" ".join(_button(e, numbers) for e in pressable), "button")]
        case "divider":
            return [Line("─" * 40, "divider")]
        case "input":
            return [Line(_input(block, state), "input")]
    return []


def _text_lines(text: str, style: str) -> list[Line]:
    return [Line(line, style) for line in text.splitlines() or [""]]


def _button(element: Args, numbers: dict[int, int]) -> str:
    return f"[{numbers[id(element)]} {plain_text(element.get('text'))}]"


def _input(block: Args, state: dict[str, Args]) -> str:
    """`Label: value` with the value filled in so far, and the choices where there are some."""
    element = block.get("element") or {}
    label = plain_text(block.get("label")) + ("" if block.get("optional") else " *")
    shown = input_shown(element, state.get(block.get("block_id", ""), {}).get("value"))
    options = [plain_text(o.get("text")) for o in element.get("options") or []]
    kind = element.get("type", "")
    hint = {"datepicker": "a date: 2026-12-01", "checkboxes": "yes/no"}.get(kind)
    if hint is None and options:
        hint = "one of: " + ", ".join(options)
    return f"▸ {label}: {shown or '…'}" + (f"   ({hint})" if hint else "")


def input_shown(element: Args, filled: Args | None) -> str:
    """What an input holds: what was set, else its initial value."""
    value = filled or {}
    kind = element.get("type")
    if kind == "plain_text_input":
        return str(value.get("value") or element.get("initial_value") or "")
    if kind in ("static_select", "radio_buttons"):
        option = value.get("selected_option") or element.get("initial_option")
        return plain_text((option or {}).get("text"))
    if kind == "datepicker":
        return str(value.get("selected_date") or element.get("initial_date") or "")
    if kind == "checkboxes":
        chosen = value.get("selected_options", element.get("initial_options") or [])
        return "yes" if chosen else ("no" if filled else "")
    if kind == "users_select":
        return readable(f"<@{value['selected_user']}>") if value.get("selected_user") else ""
    return ""
