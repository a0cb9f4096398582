"""Sends requests to the bot exactly as Slack does: form or JSON bodies, v0 HMAC-SHA256 signed."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

_ids = itertools.count(1)


@dataclass
class Reply:
    status: int
    body: str

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def sign(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def http_post(url: str, body: bytes, headers: dict[str, str]) -> Reply:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return Reply(response.status, response.read().decode())
    except urllib.error.HTTPError as error:
        return Reply(error.code, error.read().decode())


def http_get(url: str) -> Reply:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return Reply(response.status, response.read().decode())
    except urllib.error.HTTPError as error:
        return Reply(error.code, error.read().decode())


class SlackSender:
    """Plays Slack's side: commands, button presses, modal submissions and events."""

    def __init__(
        self, events_url: str, signing_secret: str, response_url_base: str, team_id: str = "T0001"
    ) -> None:
        self.events_url = events_url
        self.secret = signing_secret
        self.response_url_base = response_url_base
        self.team_id = team_id

    def post(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
    ) -> Reply:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature or sign(self.secret, stamp, body),
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        }
        return http_post(self.events_url, body, headers)

    def new_response_url(self) -> str:
        return f"{self.response_url_base}{next(_ids)}"

    def command_body(
        self, command: str, text: str, user: str, channel: str, response_url: str
    ) -> bytes:
        fields = {
            "token": "gIkuvaNzQIHg97ATvDxqgjtO",
            "team_id": self.team_id,
            "team_domain": "example",
            "channel_id": channel,
            "channel_name": "sales",
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A0PERSPECT",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": f"{next(_ids)}.738474920.8088930838d88f008e0",
        }
        return urlencode(fields).encode()

    def command(
        self, command: str, text: str, *, user: str = "U0REP0001", channel: str = "C0SALES01"
    ) -> tuple[Reply, str]:
        """Send a slash command; returns the HTTP reply and the response_url used."""
        response_url = self.new_response_url()
        body = self.command_body(command, text, user, channel, response_url)
        return self.post(body, "application/x-www-form-urlencoded"), response_url

    def interaction(self, payload: dict[str, Any]) -> Reply:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self.post(body, "application/x-www-form-urlencoded")

    def block_action(
        self,
        action_id: str,
        value: str,
        *,
        user: str = "U0REP0001",
        channel: str | None = "C0SALES01",
        message_ts: str = "1790000001.000100",
        container_type: str = "message",
        view: dict[str, Any] | None = None,
        block_id: str = "b1",
        message_blocks: list[dict[str, Any]] | None = None,
    ) -> tuple[Reply, str]:
        """Press a button; `message_blocks` are the pressed message's, as Slack sends them."""
        response_url = self.new_response_url()
        payload = self._interaction_envelope("block_actions", user)
        payload["actions"] = [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": block_id,
                "value": value,
                "action_ts": f"{int(time.time())}.000200",
            }
        ]
        if view is not None:
            payload["container"] = {"type": "view", "view_id": view.get("id", "V1")}
            payload["view"] = view
        else:
            payload["container"] = {
                "type": container_type,
                "message_ts": message_ts,
                "channel_id": channel,
                "is_ephemeral": container_type == "ephemeral",
            }
            payload["channel"] = {"id": channel, "name": "sales"}
            blocks = message_blocks or []
            payload["message"] = {"type": "message", "ts": message_ts, "text": "", "blocks": blocks}
            payload["response_url"] = response_url
        return self.interaction(payload), response_url

    def view_submission(
        self,
        callback_id: str,
        values: dict[str, Any],
        *,
        user: str = "U0REP0001",
        private_metadata: str = "",
    ) -> Reply:
        """Submit a modal; `values` maps block_id to a plain text value or an element state dict."""
        state = {
            block_id: {
                "value": v if isinstance(v, dict) else {"type": "plain_text_input", "value": v}
            }
            for block_id, v in values.items()
        }
        payload = self._interaction_envelope("view_submission", user)
        payload["view"] = {
            "id": f"V{next(_ids)}",
            "team_id": self.team_id,
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "state": {"values": state},
            "hash": "156772938.1827394",
        }
        payload["response_urls"] = []
        return self.interaction(payload)

    def message_shortcut(
        self,
        callback_id: str,
        text: str,
        *,
        user: str = "U0REP0001",
        author: str = "U0CUST001",
        channel: str = "C0SALES01",
        message_ts: str = "1790000002.000200",
    ) -> tuple[Reply, str]:
        """A message shortcut (type `message_action`): the message, its channel and a
        response URL come with it, as in Slack's payload."""
        response_url = self.new_response_url()
        payload = self._interaction_envelope("message_action", user)
        payload.update(
            callback_id=callback_id,
            action_ts=f"{int(time.time())}.000300",
            channel={"id": channel, "name": "sales"},
            is_enterprise_install=False,
            enterprise=None,
            response_url=response_url,
            message_ts=message_ts,
            message={
                "client_msg_id": f"msg-{next(_ids)}",
                "type": "message",
                "text": text,
                "user": author,
                "ts": message_ts,
                "team": self.team_id,
            },
        )
        return self.interaction(payload), response_url

    def global_shortcut(self, callback_id: str, *, user: str = "U0REP0001") -> Reply:
        """A global shortcut (type `shortcut`): no channel, message or response URL."""
        payload = self._interaction_envelope("shortcut", user)
        payload.update(
            callback_id=callback_id,
            action_ts=f"{int(time.time())}.000400",
            is_enterprise_install=False,
            enterprise=None,
        )
        return self.interaction(payload)

    def direct_message(self, text: str, *, user: str = "U0REP0001", **extra: Any) -> Reply:
        """Someone typing in the app's Messages tab (a `message.im` event)."""
        ts = f"{int(time.time())}.{next(_ids):06d}"
        event = {
            "client_msg_id": f"msg-{next(_ids)}",
            "type": "message",
            "text": text,
            "user": user,
            "ts": ts,
            "team": self.team_id,
            "channel": "D" + user[1:],
            "event_ts": ts,
            "channel_type": "im",
            **extra,
        }
        return self.event(event)

    def _interaction_envelope(self, kind: str, user: str) -> dict[str, Any]:
        """What every interaction payload carries: its type, who acted, and a trigger id."""
        return {
            "type": kind,
            "team": {"id": self.team_id, "domain": "example"},
            "user": {"id": user, "username": user.lower(), "team_id": self.team_id},
            "api_app_id": "A0PERSPECT",
            "token": "gIkuvaNzQIHg97ATvDxqgjtO",
            "trigger_id": f"{next(_ids)}.738474920.8088930838d88f008e0",
        }

    def event(self, event: dict[str, Any]) -> Reply:
        body = json.dumps(
            {
                "token": "gIkuvaNzQIHg97ATvDxqgjtO",
                "team_id": self.team_id,
                "api_app_id": "A0PERSPECT",
                "event": event,
                "type": "event_callback",
                "event_id": f"Ev{next(_ids):08d}",
                "event_time": int(time.time()),
                "authorizations": [
                    {"team_id": self.team_id, "user_id": "U0BOT0001", "is_bot": True}
                ],
            }
        ).encode()
        return self.post(body, "application/json")
