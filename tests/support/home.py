"""Opening the Home tab as Slack reports it, and reading what the bot published and sent."""

from __future__ import annotations

import json
from typing import Any

from tests.support.bot import RunningBot
from tests.support.messages import text_of, view_of

HOME_VIEW = {"id": "VHOME", "type": "home", "blocks": []}


def open_home(bot: RunningBot, user: str, *, opened_before: int = 0) -> str:
    """Open the Home tab; returns the published Home as one searchable string.
    `opened_before`: how many Homes were published already in this test."""
    event = {"type": "app_home_opened", "user": user, "tab": "home", "channel": "D" + user[1:]}
    assert bot.slack.event(event).status == 200
    return published_home(bot, opened_before + 1)


def published_home(bot: RunningBot, count: int) -> str:
    return json.dumps(
        view_of(bot.fake.wait_for("views.publish", count)[count - 1]), ensure_ascii=False
    )


def welcomes(bot: RunningBot, user: str) -> list[dict[str, Any]]:
    return bot.fake.calls_to(
        "chat.postMessage",
        where=lambda a: a["channel"] == user and a.get("text") == "Welcome to Perspective",
    )


def dms_to(bot: RunningBot, user: str) -> list[str]:
    """Everything the bot posted in the person's DM, as searchable text."""
    channel = "D" + user[1:]
    return [
        text_of(call)
        for call in bot.fake.calls_to("chat.postMessage")
        if call["channel"] in (user, channel)
    ]
