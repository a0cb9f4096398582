"""What Slack's Web API refuses: missing arguments and Block Kit's limits, as Slack words them.

The fake Slack checks every call with these, so a message or view the bot sends
fails a test wherever Slack would refuse it; the sandbox's output is checked too.
"""

from __future__ import annotations

import json
from typing import Any

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
    "conversations.open": [("users", "channel")],
    "conversations.info": ["channel"],
    "files.getUploadURLExternal": ["filename", "length"],
    "files.completeUploadExternal": ["files"],
}

BLOCK_TYPES = {
    "section", "context", "actions", "divider", "header", "input", "image", "rich_text", "file",
}  # fmt: skip


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
            return _element_problem(block["accessory"])
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
            problem = _element_problem(element)
            if problem:
                return problem
    if kind == "input":
        if not 0 < _text_len(block.get("label")) <= 2000:
            return "input label must be 1-2000 characters"
        if "element" not in block:
            return "input needs an element"
        return _element_problem(block["element"])
    return None


def _element_problem(element: Args) -> str | None:
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
    return None
