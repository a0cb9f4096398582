"""What the bot answered through a command's response_url."""

from __future__ import annotations

from tests.support.bot import RunningBot


def reply_to(bot: RunningBot, response_url: str) -> dict:
    """The message the bot sent back through `respond()` for one request."""
    rid = response_url.rsplit("/", 1)[1]
    return bot.fake.wait_for("response_url", where=lambda a: a["_response_id"] == rid)[-1]
