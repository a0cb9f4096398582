"""Logs: `LOG_FORMAT=json` gives one JSON object a line; no format ever shows a secret."""

from __future__ import annotations

import json
import logging
import re

import pytest

from bot.delivery import deliver_once
from bot.runtime.logs import configure_logging, redact
from bot.services import Services
from tests.support.bot import REP, TEAM, RunningBot

REPLY_URL = "https://hooks.slack.com/commands/T0TEAM0001/1234567890/AbCdEfGhIjKlMnOp"


def bare_root(monkeypatch: pytest.MonkeyPatch) -> logging.Logger:
    """The root logger as a fresh process has it: no handlers yet (pytest's own are added
    only when the test body starts, so this is called there)."""
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])
    monkeypatch.setattr(root, "level", root.level)
    return root


def test_json_logs_are_one_object_a_line_without_reply_urls(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bare_root(monkeypatch)
    configure_logging("json")
    logging.getLogger("slack_sdk.webhook").info("Retrying %s (attempt %d)", REPLY_URL, 1)
    logging.getLogger("perspective").warning("plain words")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [(line["level"], line["logger"]) for line in lines] == [
        ("INFO", "slack_sdk.webhook"),
        ("WARNING", "perspective"),
    ]
    assert lines[0]["message"] == (
        "Retrying https://hooks.slack.com/commands/[redacted] (attempt 1)"
    )
    assert lines[1]["message"] == "plain words" and lines[1]["time"].startswith("20")


def test_text_logs_are_lines_for_people_and_hide_tokens(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bare_root(monkeypatch)
    configure_logging("text")
    logging.getLogger("perspective").info("token %s", "xoxb-123-456-abcdef")
    (line,) = capsys.readouterr().err.splitlines()
    assert line.endswith(" INFO perspective: token xoxb-[redacted]")


def test_a_host_that_set_up_logging_keeps_its_handlers(monkeypatch: pytest.MonkeyPatch) -> None:
    root = bare_root(monkeypatch)
    own = logging.NullHandler()
    root.addHandler(own)
    configure_logging("json")
    assert root.handlers == [own]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            "POST http://127.0.0.1:8123/actions/T1/22/secret failed",
            "POST http://127.0.0.1:8123/actions/[redacted] failed",
        ),
        ("app token xapp-1-A0-zz", "app token xapp-[redacted]"),
        ("see https://api.slack.com/methods/chat.postMessage", None),
    ],
)
def test_what_counts_as_a_secret(text: str, shown: str | None) -> None:
    assert redact(text) == (shown or text)


def test_each_slack_request_is_one_line_without_what_was_typed_or_its_reply_url(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        reply, response_url = bot.slack.command("/fieldnote", "[Acme] secret roadmap #x")
        assert reply.status == 200
        assert bot.slack.post(b"payload=nope", "application/x-www-form-urlencoded").status == 400
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.runtime.slack_http"]
    assert len(lines) == 2
    assert re.fullmatch(rf"slack /fieldnote team={TEAM} user={REP} → 200 in \d+ ms", lines[0])
    assert re.fullmatch(r"refused \(payload is not JSON\) → 400 in \d+ ms", lines[1])
    assert "secret roadmap" not in caplog.text and response_url not in caplog.text


def test_each_scheduled_send_is_one_line_naming_its_key_and_team(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="bot.delivery"):
        assert deliver_once(services, TEAM, "reminder:41:2026-12-02", services.clock(), str)
        assert not deliver_once(services, TEAM, "reminder:41:2026-12-02", services.clock(), str)
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.delivery"]
    assert len(lines) == 1
    assert re.fullmatch(rf"sent reminder:41:2026-12-02 \(team {TEAM}\) in \d+ ms", lines[0])
