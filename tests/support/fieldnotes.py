"""Field notes typed through the real /fieldnote command."""

from __future__ import annotations

from tests.support.bot import REP, RunningBot
from tests.support.replies import reply_to


def fieldnote(bot: RunningBot, text: str, user: str = REP) -> dict:
    reply, response_url = bot.slack.command("/fieldnote", text, user=user)
    assert reply.status == 200
    return reply_to(bot, response_url)
