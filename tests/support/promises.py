"""Helpers shared by the promise, rollout and scheduling tests."""

from __future__ import annotations

from datetime import date

from storage import claims, rollouts
from storage import promises as store
from storage.promises import Promise
from tests.support.bot import ADMIN, MANAGER, REP, TEAM, RunningBot
from tests.support.replies import command_reply

SECOND_MANAGER = "U0MGR0002"


def promise_cmd(bot: RunningBot, text: str, user: str) -> dict:
    return command_reply(bot, "/promise", text, user)


def all_promises(bot: RunningBot) -> list[Promise]:
    return list(store.all_promises(bot.db))


def only_promise(bot: RunningBot) -> Promise:
    [promise] = all_promises(bot)
    return promise


def add_rollout(bot: RunningBot, key: str, ships_on: date) -> None:
    rollouts.add_rollout(
        bot.db, TEAM, key, f"{key.upper()} integration", ships_on, ADMIN, bot.clock()
    )


def dm_ref(bot: RunningBot, key: str) -> tuple[str, str]:
    """The (channel, ts) of the DM sent under claim `key`."""
    result = claims.result_of(bot.db, key)
    assert result, f"nothing was sent under {key}"
    channel, ts = result.split(":", 1)
    return channel, ts


def reminders(bot: RunningBot) -> list[dict]:
    """The promise reminders the bot has sent, to anyone."""
    return bot.fake.calls_to("chat.postMessage", where=lambda a: a["text"].startswith("Reminder: "))


def nudges(bot: RunningBot, manager: str = MANAGER) -> list[dict]:
    """The daily nudges about broken and at-risk commitments `manager` has had."""
    return bot.fake.calls_to(
        "chat.postMessage",
        where=lambda a: a["channel"] == manager and "broken and at-risk" in a["text"],
    )


def reminder_message(bot: RunningBot) -> tuple[str, str]:
    """A DM from the bot whose buttons a test presses; returns its (channel, ts)."""
    response = bot.services.client.chat_postMessage(channel=REP, text="reminder")
    return response["channel"], response["ts"]
