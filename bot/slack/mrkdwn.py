"""The one place user text becomes Slack mrkdwn.

Escaping `&`, `<` and `>` is what Slack asks for, and it is also what makes a
note containing `<!channel>` or `<@U123>` harmless: escaped, they render as
text and ping no one. Every renderer that shows user text goes through here.
"""

from __future__ import annotations


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
