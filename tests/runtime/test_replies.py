"""Replies through a response URL are checked: a 500 or a dropped answer is retried, and a
reply that still cannot be delivered is logged with what was lost, never silently dropped."""

from __future__ import annotations

import logging
import threading

from tests.support.bot import REP, RunningBot
from tests.support.replies import reply_to


def test_a_reply_slack_refuses_once_arrives_on_the_retry(bot: RunningBot) -> None:
    bot.fake.fail_next("response_url", status=500)
    reply, response_url = bot.slack.command("/promise", "help")
    assert reply.status == 200
    assert "/promise" in reply_to(bot, response_url)["text"]
    assert [call.ok for call in bot.fake.calls if call.method == "response_url"] == [False, True]


class LossSeen(logging.Handler):
    """Set once the handler thread has logged a lost reply (the test waits on it)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen = threading.Event()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())
        if "could not be delivered" in self.lines[-1]:
            self.seen.set()


def test_a_reply_that_cannot_be_delivered_is_logged_with_what_was_lost(bot: RunningBot) -> None:
    for _ in range(3):
        bot.fake.fail_next("response_url", status=503)
    watcher = LossSeen()
    logging.getLogger("handlers.common").addHandler(watcher)
    try:
        reply, _ = bot.slack.command("/promise", "help")
        assert reply.status == 200
        assert watcher.seen.wait(10)
    finally:
        logging.getLogger("handlers.common").removeHandler(watcher)
    (line,) = [line for line in watcher.lines if "could not be delivered" in line]
    assert line.startswith("a reply could not be delivered (HTTP 503, team ")
    assert "lost: " in line and "/promise" in line
    assert [call.ok for call in bot.fake.calls if call.method == "response_url"] == [False] * 3


def test_a_confirmation_the_web_api_refuses_once_arrives_on_the_retry(bot: RunningBot) -> None:
    bot.fake.fail_next("chat.postEphemeral", status=500, error="internal_error")
    bot.services.directory.timezone(REP)  # cached, so the form saves in its ack
    state = {"what": "SSO", "due": {"type": "datepicker", "selected_date": "2026-12-15"}}
    reply = bot.slack.view_submission("promise_modal", state, private_metadata="C0SALES01")
    assert reply.status == 200 and reply.body == ""
    [confirmation] = bot.fake.wait_for("chat.postEphemeral")
    assert "Saved promise #1" in confirmation["text"]
    attempts = [call.ok for call in bot.fake.calls if call.method == "chat.postEphemeral"]
    assert attempts == [False, True]
