"""The one place user text becomes Slack mrkdwn.

Escaping `&`, `<` and `>` is what Slack asks for, and it is also what makes a
note containing `<!channel>` or `<@U123>` harmless: escaped, they render as
text and ping no one. Every renderer that shows user text goes through here.
"""

from __future__ import annotations

import re

# A link Slack made of typed text: <url> or <url|label>; mentions (<@…>, <#…>, <!…>) are not links.
_LINK = re.compile(r"<([^@#!|>][^|>]*)(?:\|([^>]*))?>")


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def excerpt(text: str, limit: int) -> str:
    """Shorten raw user text to at most `limit` characters, on a word boundary when possible."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut + "…"


def user(user_id: str) -> str:
    """A mention of a user id the bot itself chose to mention (never user-typed text)."""
    return f"<@{user_id}>"


def typed_text(text: str) -> str:
    """What a person typed in a command Slack escaped (`should_escape`): links back to the
    words typed (`<http://gong.io|gong.io>` → `gong.io`) and `&amp;`, `&lt;`, `&gt;` undone,
    so `escape` is applied exactly once when the bot shows it again."""
    text = _LINK.sub(lambda link: link.group(2) or link.group(1), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
