"""Slash commands sent as Slack sends them, and what the bot answered through response_url."""

from __future__ import annotations

from bot.slack.rules import validate_message
from tests.support.bot import ADMIN, RunningBot
from tests.support.slack_requests import Reply


def reply_to(bot: RunningBot, response_url: str) -> dict:
    """The message the bot sent back through `respond()` for one request."""
    rid = response_url.rsplit("/", 1)[1]
    return bot.fake.wait_for("response_url", where=lambda a: a["_response_id"] == rid)[-1]


def command_reply(bot: RunningBot, command: str, text: str, user: str) -> dict:
    """Run a slash command, check Slack got its ack, and return the bot's answer, which
    only the person who typed the command sees."""
    reply, response_url = bot.slack.command(command, text, user=user)
    assert reply.status == 200
    answer = in_ack(reply) or reply_to(bot, response_url)
    assert answer["response_type"] == "ephemeral", answer
    return answer


def in_ack(reply: Reply) -> dict | None:
    """The answer the bot put in its ack, which Slack shows as the reply, checked against
    the rules Slack applies to any message; None for an empty ack."""
    answer = reply.json()
    if not answer:
        return None
    validate_message(answer)
    return answer


def perspective(bot: RunningBot, text: str, user: str = ADMIN) -> dict:
    """`/perspective TEXT`, by an admin unless `user` says otherwise."""
    return command_reply(bot, "/perspective", text, user)
