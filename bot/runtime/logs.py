"""Process logging: plain lines for people, one JSON object a line with `LOG_FORMAT=json`.

Whatever the format, secrets are cut out of every message first: a Slack response
URL lets anyone who reads it post to that user for 30 minutes, and slack-sdk logs
them in full when it retries a reply; a token is worse.
"""

from __future__ import annotations

import logging
import re

from pythonjsonlogger.json import JsonFormatter

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
HANDLER_NAME = "perspective"
SECRETS = (
    # https://hooks.slack.com/commands/T…/…/… and …/actions/…: a reply URL, kept to its host.
    (re.compile(r"(https?://[^\s/'\"]+)/(commands|actions)/[^\s'\"]+"), r"\1/\2/[redacted]"),
    (re.compile(r"\b(xox[abepr]|xapp)-[\w-]+"), r"\1-[redacted]"),
)
QUIET = {
    "apscheduler": logging.WARNING,
    "alembic": logging.WARNING,
    # waitress warns on every request that finds all its threads busy: under a burst
    # that is a line per request, written while the burst waits.
    "waitress.queue": logging.ERROR,
}


def redact(text: str) -> str:
    for pattern, replacement in SECRETS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    """Renders the message once, without secrets, before any formatter sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        return True


def configure_logging(log_format: str) -> None:
    """Log INFO and up to standard error, once per process; a host that already set up
    logging (a test runner, an embedding program) keeps its own handlers."""
    root = logging.getLogger()
    for name, level in QUIET.items():
        logging.getLogger(name).setLevel(level)
    root.setLevel(logging.INFO)
    if root.handlers:
        return
    handler = logging.StreamHandler()
    handler.set_name(HANDLER_NAME)
    handler.addFilter(RedactSecrets())
    handler.setFormatter(_formatter(log_format))
    root.addHandler(handler)


def _formatter(log_format: str) -> logging.Formatter:
    if log_format == "json":
        return JsonFormatter(
            "%(levelname)s %(name)s %(message)s",
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp="time",
        )
    return logging.Formatter(TEXT_FORMAT)
