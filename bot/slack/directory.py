"""What Slack knows about people: time zone, admin flag, status, names — cached.

`users.info` is called for every reminder, confirmation and admin check, and
`users.list` whenever an admin names someone without an @mention; a short-lived
cache keeps the bot fast and far from Slack's rate limits.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)
CACHE_FOR = timedelta(minutes=15)
PAGE_SIZE = 200  # users.list: Slack asks for pages of at most 200
SLACKBOT = "USLACKBOT"


@dataclass(frozen=True)
class Person:
    user_id: str
    tz: str | None
    is_admin: bool
    status_text: str = ""
    status_emoji: str = ""
    status_expiration: int = 0


class Directory:
    def __init__(
        self, client: WebClient, clock: Callable[[], datetime], default_timezone: str
    ) -> None:
        self._client = client
        self._clock = clock
        self._default_timezone = default_timezone
        self._people: dict[str, tuple[datetime, Any]] = {}
        self._emails: dict[str, tuple[datetime, Any]] = {}
        self._names: dict[str, tuple[datetime, Any]] = {}
        self._members: dict[str, tuple[datetime, Any]] = {}
        self._lock = threading.Lock()
        self._team_id: str | None = None

    def team_id(self) -> str:
        """The workspace the bot's token belongs to (`auth.test`), asked once: a CRM's deals
        name no Slack team, and a deployment serves one workspace."""
        if self._team_id is None:
            self._team_id = self._client.auth_test()["team_id"]
        return self._team_id

    def person(self, user_id: str) -> Person:
        """The user's profile; a Slack failure yields a plain non-admin in the default zone."""
        found, person = self._cached(self._people, user_id)
        if found:
            return person
        try:
            user = self._client.users_info(user=user_id)["user"]
        except SlackApiError as error:
            log.warning("users.info failed for %s: %s", user_id, error.response.get("error"))
            return Person(user_id=user_id, tz=None, is_admin=False)
        profile = user.get("profile") or {}
        person = Person(
            user_id=user_id,
            tz=user.get("tz"),
            is_admin=bool(user.get("is_admin") or user.get("is_owner")),
            status_text=profile.get("status_text") or "",
            status_emoji=profile.get("status_emoji") or "",
            status_expiration=int(profile.get("status_expiration") or 0),
        )
        self._store(self._people, user_id, person)
        return person

    def knows(self, user_id: str) -> bool:
        """Whether what Slack said about this person is still cached (asking costs a call)."""
        return self._cached(self._people, user_id)[0]

    def timezone(self, user_id: str) -> ZoneInfo:
        """The user's own zone, falling back to DEFAULT_TIMEZONE when Slack has none."""
        name = self.person(user_id).tz or self._default_timezone
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo(self._default_timezone)

    def user_id_for_email(self, email: str) -> str | None:
        """The Slack user with this email, or None when Slack knows no such user.

        Other Slack errors (rate limits, outages) propagate so the caller can retry
        instead of wrongly concluding that the person does not exist.
        """
        key = email.strip().lower()
        found, user_id = self._cached(self._emails, key)
        if found:
            return user_id
        try:
            user_id = self._client.users_lookupByEmail(email=key)["user"]["id"]
        except SlackApiError as error:
            if error.response.get("error") != "users_not_found":
                raise
            user_id = None
        self._store(self._emails, key, user_id)
        return user_id

    def members_named(self, name: str) -> list[str]:
        """The members whose handle or display name is `name` (any case, a leading @ dropped):
        who an admin means by `bob`. Several when the name is ambiguous, none when unknown.

        Slack errors propagate: a failed lookup must not read as "nobody is called that"."""
        found, names = self._cached(self._names, "")
        if not found:
            names = self._read_names()
            self._store(self._names, "", names)
        return list(names.get(name.strip().lstrip("@").casefold(), ()))

    def _read_names(self) -> dict[str, tuple[str, ...]]:
        """Every page of `users.list`, as name → member ids; deleted members and bots (and
        Slackbot) are nobody's manager or rep, so they are left out."""
        names: dict[str, list[str]] = defaultdict(list)
        for page in self._client.users_list(limit=PAGE_SIZE):
            for member in page["members"]:
                if member.get("deleted") or member.get("is_bot") or member["id"] == SLACKBOT:
                    continue
                profile = member.get("profile") or {}
                labels = {member.get("name"), profile.get("display_name")}
                for label in filter(None, labels):
                    names[label.casefold()].append(member["id"])
        return {label: tuple(ids) for label, ids in names.items()}

    def members(self, channel_id: str) -> frozenset[str]:
        """Who is in a channel (every page of `conversations.members`); a Slack failure
        yields nobody, so a Home still opens when a channel cannot be read."""
        found, members = self._cached(self._members, channel_id)
        if found:
            return members
        try:
            pages = self._client.conversations_members(channel=channel_id, limit=200)
            members = frozenset(user for page in pages for user in page["members"])
        except SlackApiError as error:
            log.warning(
                "conversations.members failed for %s: %s", channel_id, error.response.get("error")
            )
            return frozenset()
        self._store(self._members, channel_id, members)
        return members

    def _cached(self, cache: dict[str, tuple[datetime, Any]], key: str) -> tuple[bool, Any]:
        with self._lock:
            entry = cache.get(key)
        if entry is None or self._clock() - entry[0] >= CACHE_FOR:
            return False, None
        return True, entry[1]

    def _store(self, cache: dict[str, tuple[datetime, Any]], key: str, value: Any) -> None:
        with self._lock:
            cache[key] = (self._clock(), value)
