"""Field notes typed through the real /fieldnote command."""

from __future__ import annotations

from tests.support.bot import REP, RunningBot
from tests.support.replies import command_reply


def fieldnote(bot: RunningBot, text: str, user: str = REP) -> dict:
    return command_reply(bot, "/fieldnote", text, user)
