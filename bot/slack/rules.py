"""What Slack's Web API refuses: missing arguments and Block Kit's limits, as Slack words them.

The fake Slack checks every call with these, so a message or view the bot sends
fails a test wherever Slack would refuse it; the sandbox's output is checked too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Args = dict[str, Any]

REQUIRED: dict[str, list[str | tuple[str, ...]]] = {
    "auth.test": [],
    "apps.connections.open": [],
    "chat.postMessage": ["channel", ("text", "blocks", "attachments")],
    "chat.postEphemeral": ["channel", "user", ("text", "blocks", "attachments")],
    "chat.update": ["channel", "ts"],
    "chat.delete": ["channel", "ts"],
    "chat.getPermalink": ["channel", "message_ts"],
    "views.open": ["trigger_id", "view"],
    "views.push": ["trigger_id", "view"],
    "views.publish": ["user_id", "view"],
    "views.update": ["view", ("view_id", "external_id")],
    "users.info": ["user"],
    "users.lookupByEmail": ["email"],
    "users.list": [],
    "conversations.open": [("users", "channel")],
    "conversations.info": ["channel"],
    "conversations.members": ["channel"],
    "files.getUploadURLExternal": ["filename", "length"],
    "files.completeUploadExternal": ["files"],
}

BLOCK_TYPES = {
    "section", "context", "actions", "divider", "header", "input", "image", "rich_text", "file",
}  # fmt: skip

# Which interactive elements each place takes (Block Kit's reference: a button is never an
# input, a plain-text input only ever is one).
SELECTS = {
    "static_select", "multi_static_select", "users_select", "multi_users_select",
    "conversations_select", "multi_conversations_select", "channels_select",
    "multi_channels_select", "external_select", "multi_external_select",
}  # fmt: skip
PICKERS = {"checkboxes", "radio_buttons", "datepicker", "timepicker", "datetimepicker"}
INPUT_ELEMENTS = SELECTS | PICKERS | {
    "plain_text_input", "email_text_input", "number_input", "url_text_input", "rich_text_input",
    "file_input",
}  # fmt: skip
ACTION_ELEMENTS = SELECTS | PICKERS | {"button", "overflow", "workflow_button"}
ACCESSORY_ELEMENTS = SELECTS | PICKERS | {"button", "overflow", "image"}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
HH_MM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
CONVERSATION_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
CONVERSATION_KINDS = {"im", "mpim", "private", "public"}
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


class SlackError(Exception):
    """A refusal in Slack's shape: its error code and the messages it explains it with."""

    def __init__(self, error: str, *messages: str) -> None:
        super().__init__(error)
        self.error = error
        self.messages = list(messages)


def check_required(method: str, args: Args) -> None:
    """Refuse unknown methods and calls without an argument Slack requires."""
    if method not in REQUIRED and method != "response_url":
        raise SlackError("unknown_method")
    for requirement in REQUIRED.get(method, []):
        names = (requirement,) if isinstance(requirement, str) else requirement
        if not any(args.get(name) not in (None, "", []) for name in names):
            raise SlackError("invalid_arguments", f"missing required field: {'|'.join(names)}")


def _blocks(value: Any) -> list[Args]:
    if value is None:
        return []
    blocks = json.loads(value) if isinstance(value, str) else value
    if not isinstance(blocks, list):
        raise SlackError("invalid_blocks_format")
    return blocks


def validate_message(args: Args) -> None:
    blocks = _blocks(args.get("blocks"))
    if len(blocks) > 50:
        raise SlackError(
            "invalid_blocks", f"must provide an array of no more than 50 items (got {len(blocks)})"
        )
    if len(str(args.get("text") or "")) > 40_000:
        raise SlackError("msg_too_long")
    _validate_blocks(blocks, "invalid_blocks")


def validate_view(view_value: Any) -> None:
    view = json.loads(view_value) if isinstance(view_value, str) else view_value
    blocks = _blocks(view.get("blocks"))
    if view.get("type") not in ("modal", "home"):
        raise SlackError("invalid_arguments", "view type must be modal or home")
    if len(blocks) > 100:
        raise SlackError(
            "invalid_arguments",
            f"no more than 100 items allowed [json-pointer:/view/blocks] (got {len(blocks)})",
        )
    if view.get("type") == "modal":
        for key, limit in (("title", 24), ("submit", 24), ("close", 24)):
            if key in view and len(view[key].get("text", "")) > limit:
                raise SlackError(
                    "invalid_arguments",
                    f"must be less than {limit + 1} characters [json-pointer:/view/{key}/text]",
                )
        if "title" not in view:
            raise SlackError("invalid_arguments", "missing required field: title")
        if any(b.get("type") == "input" for b in blocks) and "submit" not in view:
            raise SlackError("invalid_arguments", "submit is required when a view has input blocks")
    if len(view.get("private_metadata") or "") > 3000:
        raise SlackError("invalid_arguments", "private_metadata must be less than 3001 characters")
    _validate_blocks(blocks, "invalid_arguments")


def _validate_blocks(blocks: list[Args], error: str) -> None:
    for i, block in enumerate(blocks):
        problem = _block_problem(block)
        if problem:
            raise SlackError(error, f"{problem} [json-pointer:/blocks/{i}]")


def _text_len(obj: Args | None) -> int:
    return len((obj or {}).get("text", ""))


def _block_problem(block: Args) -> str | None:
    kind = block.get("type")
    if kind not in BLOCK_TYPES:
        return f"unknown block type {kind!r}"
    if len(block.get("block_id", "")) > 255:
        return "block_id must be less than 256 characters"
    if kind == "section":
        if "text" not in block and "fields" not in block:
            return "section needs text or fields"
        if _text_len(block.get("text")) > 3000:
            return "must be less than 3001 characters [text]"
        if block.get("text") is not None and _text_len(block.get("text")) == 0:
            return "must be more than 0 characters [text]"
        fields = block.get("fields", [])
        if len(fields) > 10 or any(_text_len(f) > 2000 for f in fields):
            return "fields: at most 10, each at most 2000 characters"
        if "accessory" in block:
            return _element_problem(block["accessory"], ACCESSORY_ELEMENTS)
    if kind == "header" and not 0 < _text_len(block.get("text")) <= 150:
        return "header text must be 1-150 characters"
    if kind == "context":
        elements = block.get("elements", [])
        if not 0 < len(elements) <= 10:
            return "context needs 1-10 elements"
        if any(_text_len(e) > 3000 for e in elements):
            return "context text must be less than 3001 characters"
    if kind == "actions":
        elements = block.get("elements", [])
        if not 0 < len(elements) <= 25:
            return "actions needs 1-25 elements"
        for element in elements:
            problem = _element_problem(element, ACTION_ELEMENTS)
            if problem:
                return problem
    if kind == "input":
        if not 0 < _text_len(block.get("label")) <= 2000:
            return "input label must be 1-2000 characters"
        if "element" not in block:
            return "input needs an element"
        return _element_problem(block["element"], INPUT_ELEMENTS)
    return None


def _element_problem(element: Args, allowed: set[str]) -> str | None:
    kind = element.get("type")
    if kind not in allowed:
        return f"{kind!r} is not a valid element type here [type]"
    if len(element.get("action_id", "")) > 255:
        return "action_id must be less than 256 characters"
    if element.get("type") == "button":
        if not 0 < _text_len(element.get("text")) <= 75:
            return "button text must be 1-75 characters"
        if len(element.get("value", "")) > 2000:
            return "button value must be less than 2001 characters"
    if _text_len(element.get("placeholder")) > 150:
        return "placeholder must be less than 151 characters"
    options = element.get("options")
    if options is not None:
        if not 0 < len(options) <= 100:
            return "options must have 1-100 items"
        if any(_text_len(o.get("text")) > 75 for o in options):
            return "option text must be less than 76 characters"
    return _picker_problem(element)


def _picker_problem(element: Args) -> str | None:
    """What Slack checks of a picker's own fields (see `PICKER_CHECKS`)."""
    check = PICKER_CHECKS.get(element.get("type", ""))
    return check(element) if check else None


def _static_select_problem(element: Args) -> str | None:
    """A select has its options, and its initial option is one of them."""
    if not element.get("options") and not element.get("option_groups"):
        return "static_select needs options or option_groups"
    initial = element.get("initial_option")
    values = [o.get("value") for o in element.get("options") or []]
    if initial is not None and initial.get("value") not in values:
        return "initial_option must be one of the options [initial_option]"
    return None


def _users_select_problem(element: Args) -> str | None:
    if "initial_user" in element and not USER_ID.match(str(element["initial_user"])):
        return "initial_user must be a user ID [initial_user]"
    return None


def _multi_users_select_problem(element: Args) -> str | None:
    initial = element.get("initial_users", [])
    if not isinstance(initial, list) or not all(USER_ID.match(str(u)) for u in initial):
        return "initial_users must be an array of user IDs [initial_users]"
    if int(element.get("max_selected_items", 1)) < 1:
        return "max_selected_items must be at least 1 [max_selected_items]"
    return None


def _datepicker_problem(element: Args) -> str | None:
    return _date_problem(str(element["initial_date"])) if "initial_date" in element else None


def _date_problem(text: str) -> str | None:
    """Slack takes only YYYY-MM-DD, and only a real day."""
    problem = "initial_date must be a valid date in the format YYYY-MM-DD [initial_date]"
    if not ISO_DATE.match(text):
        return problem
    try:
        date.fromisoformat(text)
    except ValueError:
        return problem
    return None


def _timepicker_problem(element: Args) -> str | None:
    """Slack takes "HH:mm" on a 24-hour clock, and only an IANA zone."""
    if "initial_time" in element and not HH_MM.match(str(element["initial_time"])):
        return "initial_time must be in the format HH:mm [initial_time]"
    if "timezone" in element and not _is_zone(str(element["timezone"])):
        return "timezone must be a valid IANA time zone [timezone]"
    return None


def _is_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _choices_problem(element: Args) -> str | None:
    """Radio buttons and checkboxes: 1-10 options, the initial ones among them."""
    kind, options = element["type"], element.get("options") or []
    if not 0 < len(options) <= 10:
        return f"{kind} options must have 1-10 items [options]"
    values = [o.get("value") for o in options]
    if kind == "radio_buttons":
        initial = [element["initial_option"]] if "initial_option" in element else []
    else:
        initial = element.get("initial_options", [])
        if not isinstance(initial, list) or ("initial_options" in element and not initial):
            return "initial_options must be a non-empty array [initial_options]"
    if any(o.get("value") not in values for o in initial):
        return "initial options must be among the options [initial_option]"
    return None


def _conversations_select_problem(element: Args) -> str | None:
    """A channel ID to start on, and a filter naming only kinds of conversation Slack has."""
    initial = element.get("initial_conversation")
    if initial is not None and not CONVERSATION_ID.match(str(initial)):
        return "initial_conversation must be a conversation ID [initial_conversation]"
    include = (element.get("filter") or {}).get("include", [])
    if not isinstance(include, list) or not set(include) <= CONVERSATION_KINDS:
        return "filter.include must name im, mpim, private or public [filter]"
    return None


PICKER_CHECKS: dict[str, Callable[[Args], str | None]] = {
    "timepicker": _timepicker_problem,
    "radio_buttons": _choices_problem,
    "checkboxes": _choices_problem,
    "conversations_select": _conversations_select_problem,
    "static_select": _static_select_problem,
    "users_select": _users_select_problem,
    "multi_users_select": _multi_users_select_problem,
    "datepicker": _datepicker_problem,
}
