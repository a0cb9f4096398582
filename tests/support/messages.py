"""Reading what the bot sent Slack: a call's blocks, its text with them, a view."""

from __future__ import annotations

import json
from typing import Any

Args = dict[str, Any]


def blocks_of(call: Args) -> list[Args]:
    """The blocks of a message call, whether the client sent them as JSON or as a list."""
    blocks = call.get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else blocks


def text_of(message: Args) -> str:
    """The message's text and blocks as one string (non-ASCII kept, so "→" can be found)."""
    return "\n".join(
        [message.get("text") or "", json.dumps(blocks_of(message), ensure_ascii=False)]
    )


def view_of(call: Args) -> Args:
    """The view of a views.* call, whether sent as JSON or as a dict."""
    return json.loads(call["view"]) if isinstance(call["view"], str) else call["view"]
