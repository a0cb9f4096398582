"""Reading people and channels out of command text.

`/perspective` is registered with `should_escape: true`, so Slack sends
mentions as `<@U123|name>` or `<@U123>` and channels as `<#C123|name>` or
`<#C123|>`; admins also paste raw ids. All of these resolve to plain ids here.
"""

from __future__ import annotations

import re
import shlex

USER = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$|^([UW][A-Z0-9]{2,})$")
CHANNEL = re.compile(r"^<#([CGD][A-Z0-9]+)(?:\|[^>]*)?>$|^([CGD][A-Z0-9]{2,})$")


def user_id(token: str) -> str | None:
    """`<@U123|name>`, `<@U123>` or `U123` → `U123`; anything else → None."""
    match = USER.match(token.strip())
    return (match.group(1) or match.group(2)) if match else None


def channel_id(token: str) -> str | None:
    """`<#C123|name>`, `<#C123|>` or `C123` → `C123`; anything else → None."""
    match = CHANNEL.match(token.strip())
    return (match.group(1) or match.group(2)) if match else None


def split_words(text: str) -> list[str] | None:
    """Words with "double quoted phrases" kept together; None when a quote is left open."""
    try:
        return shlex.split(text.replace("“", '"').replace("”", '"'), posix=True)
    except ValueError:
        return None
