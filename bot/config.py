"""Settings: the environment (and `.env`) read once into one typed object.

Every variable of the README's "Settings" lives here, so a typo in a deployment
is reported at start-up as one line naming the variable instead of surfacing
later as a confusing Slack error.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from storage.db import DEFAULT_DATABASE_URL

SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
LOG_FORMATS = ("text", "json")
# What .env.example holds: a server started with these could never talk to Slack.
PLACEHOLDERS = {
    "SLACK_BOT_TOKEN": "xoxb-your-bot-token",
    "SLACK_SIGNING_SECRET": "your-signing-secret",
    "DEALS_WEBHOOK_SECRET": "change-me",
}


class ConfigError(Exception):
    """A setting is missing or malformed; the message is the one line shown to the operator."""


@dataclass(frozen=True)
class Settings:
    slack_bot_token: str
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    database_url: str = DEFAULT_DATABASE_URL
    slack_api_url: str | None = None
    admins: frozenset[str] = field(default_factory=frozenset)
    deals_webhook_secret: str | None = None
    port: int = 3000
    default_timezone: str = "UTC"
    log_format: str = "text"
    workers: int = 8
    queue_size: int = 200

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None


def load_settings(
    environ: Mapping[str, str] | None = None,
    dotenv_path: Path | None = None,
    *,
    needs_slack: bool = True,
) -> Settings:
    """Read settings from `.env` overlaid by the real environment (the environment wins)."""
    values: dict[str, str] = {}
    path = dotenv_path if dotenv_path is not None else Path.cwd() / ".env"
    if path.is_file():
        values.update({k: v for k, v in dotenv_values(path).items() if v is not None})
    values.update(os.environ if environ is None else environ)
    return parse_settings(values, needs_slack=needs_slack)


def parse_settings(values: Mapping[str, str], *, needs_slack: bool = True) -> Settings:
    """`needs_slack=False` for commands that only touch the database (`db upgrade`, `export`)."""

    def get(name: str) -> str | None:
        value = values.get(name, "").strip()
        return value or None

    for name in PLACEHOLDERS:
        if get(name) == PLACEHOLDERS[name]:
            raise ConfigError(
                f"{name} is still the example value from .env.example: put your Slack app's "
                "value in .env (README, 'Creating the Slack app')"
            )
    token = _bot_token(get("SLACK_BOT_TOKEN"), needs_slack)
    app_token = get("SLACK_APP_TOKEN")
    if app_token is not None and not app_token.startswith("xapp-"):
        raise ConfigError("SLACK_APP_TOKEN must be an app-level token starting with xapp-")
    return Settings(
        slack_bot_token=token,
        slack_signing_secret=get("SLACK_SIGNING_SECRET"),
        slack_app_token=app_token,
        database_url=read_database_url(get("DATABASE_URL")),
        slack_api_url=_api_url(get("SLACK_API_URL")),
        admins=_admins(get("PERSPECTIVE_ADMINS")),
        deals_webhook_secret=get("DEALS_WEBHOOK_SECRET"),
        port=_port(get("PORT")),
        default_timezone=_timezone(get("DEFAULT_TIMEZONE")),
        log_format=_log_format(get("LOG_FORMAT")),
        workers=_count(get("PERSPECTIVE_WORKERS"), "PERSPECTIVE_WORKERS", 8),
        queue_size=_count(get("PERSPECTIVE_QUEUE_SIZE"), "PERSPECTIVE_QUEUE_SIZE", 200),
    )


def _bot_token(value: str | None, needed: bool) -> str:
    if value is None and not needed:
        return ""
    token = _required(
        value,
        "SLACK_BOT_TOKEN",
        "a bot token like xoxb-… (first time? `cp .env.example .env`, then fill it in; "
        "`perspective sandbox` tries Perspective with no Slack at all)",
    )
    if not token.startswith("xoxb-"):
        raise ConfigError("SLACK_BOT_TOKEN must be a bot token starting with xoxb-")
    return token


def require_http_settings(settings: Settings) -> None:
    """HTTP mode cannot verify Slack's requests without the signing secret."""
    _required(
        settings.slack_signing_secret,
        "SLACK_SIGNING_SECRET",
        "the Signing Secret from your app's Basic Information page",
    )


def _required(value: str | None, name: str, looks_like: str) -> str:
    if value is None:
        raise ConfigError(f"{name} is not set: it should be {looks_like}")
    return value


def read_database_url(value: str | None) -> str:
    """DATABASE_URL checked, with `postgresql://` read as psycopg's (also `sandbox --database`)."""
    if value is None:
        return DEFAULT_DATABASE_URL
    if not re.match(r"^(sqlite|postgresql)(\+\w+)?://", value):
        raise ConfigError(
            "DATABASE_URL must look like sqlite:///perspective.db or "
            "postgresql+psycopg://user:password@host:5432/dbname"
        )
    if value.startswith("postgresql://"):
        value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
    return value


def _api_url(value: str | None) -> str | None:
    if value is None:
        return None
    if not re.match(r"^https?://[^/\s]+", value):
        raise ConfigError("SLACK_API_URL must be an http(s) URL like https://slack.com/api/")
    # slack_sdk joins base URL and method with urljoin: without the slash the
    # last path segment ("api") would be replaced by the method name.
    return value if value.endswith("/") else value + "/"


def _count(value: str | None, name: str, default: int) -> int:
    if value is None:
        return default
    if not value.isdigit() or not 1 <= int(value) <= 10_000:
        raise ConfigError(f"{name} must be a whole number from 1 to 10000, like {default}")
    return int(value)


def _log_format(value: str | None) -> str:
    if value is None:
        return "text"
    if value.lower() not in LOG_FORMATS:
        raise ConfigError("LOG_FORMAT must be text (the default) or json")
    return value.lower()


def _admins(value: str | None) -> frozenset[str]:
    if value is None:
        return frozenset()
    ids = [part.strip() for part in value.split(",") if part.strip()]
    for user_id in ids:
        if not SLACK_USER_ID.match(user_id):
            raise ConfigError(
                f"PERSPECTIVE_ADMINS must be comma-separated Slack user ids like U012ABCDEF, "
                f"not {user_id!r}"
            )
    return frozenset(ids)


def _port(value: str | None) -> int:
    if value is None:
        return 3000
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise ConfigError(f"PORT must be a number between 1 and 65535, not {value!r}")
    return int(value)


def _timezone(value: str | None) -> str:
    if value is None:
        return "UTC"
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"DEFAULT_TIMEZONE must be an IANA time zone like Europe/Berlin, not {value!r}"
        ) from None
    return value
