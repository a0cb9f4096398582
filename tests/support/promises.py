"""Helpers shared by the promise, rollout and scheduling tests."""

from __future__ import annotations

import json
from datetime import date

from storage import claims, rollouts
from storage import promises as store
from storage.promises import Promise
from tests.support.bot import ADMIN, TEAM, RunningBot
from tests.support.replies import reply_to

__all__ = ["reply_to"]


def text_of(message: dict) -> str:
    """The message's text and blocks as one string (non-ASCII kept, so "→" can be found)."""
    return "\n".join(
        [message.get("text") or "", json.dumps(blocks_of(message), ensure_ascii=False)]
    )


def promise_cmd(bot: RunningBot, text: str, user: str) -> dict:
    reply, response_url = bot.slack.command("/promise", text, user=user)
    assert reply.status == 200
    return reply_to(bot, response_url)


def perspective(bot: RunningBot, text: str, user: str = ADMIN) -> dict:
    reply, response_url = bot.slack.command("/perspective", text, user=user)
    assert reply.status == 200
    return reply_to(bot, response_url)


def all_promises(bot: RunningBot) -> list[Promise]:
    return list(store.all_promises(bot.db))


def only_promise(bot: RunningBot) -> Promise:
    [promise] = all_promises(bot)
    return promise


def add_rollout(bot: RunningBot, key: str, ships_on: date) -> None:
    rollouts.add_rollout(
        bot.db, TEAM, key, f"{key.upper()} integration", ships_on, ADMIN, bot.clock()
    )


def view_of(call: dict) -> dict:
    return json.loads(call["view"]) if isinstance(call["view"], str) else call["view"]


def blocks_of(call: dict) -> list[dict]:
    blocks = call.get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else blocks


def dm_ref(bot: RunningBot, key: str) -> tuple[str, str]:
    """The (channel, ts) of the DM sent under claim `key`."""
    result = claims.result_of(bot.db, key)
    assert result, f"nothing was sent under {key}"
    channel, ts = result.split(":", 1)
    return channel, ts
