"""Everything a handler, tick or CLI command needs, built once per process."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from slack_sdk import WebClient

from bot.config import Settings
from bot.refusals import Refusal, admin_refusal
from bot.slack.client import PooledWebClient
from bot.slack.directory import Directory
from storage.db import Database

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    settings: Settings
    db: Database
    client: WebClient
    clock: Clock
    directory: Directory

    def is_admin(self, user_id: str) -> bool:
        """Workspace admins and owners (from Slack) and everyone in PERSPECTIVE_ADMINS."""
        return user_id in self.settings.admins or self.directory.person(user_id).is_admin

    def require_admin(self, user_id: str, what: str) -> Refusal | None:
        """The one admin guard: None for admins, else a refusal saying who can do `what`."""
        return None if self.is_admin(user_id) else admin_refusal(what)


def build_services(
    settings: Settings, db: Database | None = None, clock: Clock = utc_now
) -> Services:
    client = PooledWebClient(token=settings.slack_bot_token, base_url=_base_url(settings))
    return Services(
        settings=settings,
        db=db if db is not None else Database(settings.database_url),
        client=client,
        clock=clock,
        directory=Directory(client, clock, settings.default_timezone),
    )


def _base_url(settings: Settings) -> str:
    return settings.slack_api_url or WebClient.BASE_URL
