"""`POST /slack/events`: what arrives is checked before Bolt sees it.

Bolt answers 500 to a correctly signed body it cannot read (a `payload` that is
not JSON, an event that is a string), which tells Slack the app is broken and
the sender nothing. Here such a request gets a 4xx naming what is wrong, a body
too large is refused before it is read, and the signature is checked once.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import App, BoltRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from slack_sdk.signature import SignatureVerifier

from bot.web import Refused, read_body, request_headers
from storage.db import deadline

log = logging.getLogger(__name__)
# Slack shows an error when the ack takes over 3 s: a write in the ack path gives up
# after this, leaving time to hand the user's text back.
ACK_DEADLINE_S = 2.0


FIELD_SHAPES: dict[str, type | tuple[type, ...]] = {
    "event": dict,
    "view": dict,
    "container": dict,
    "message": dict,
    "state": dict,
    "channel": (dict, str),
    "user": (dict, str),
    "team": (dict, str, type(None)),
    "enterprise": (dict, str, type(None)),
    "actions": list,
    "authorizations": list,
}


class SlackEndpoint:
    """The WSGI side of Bolt for Slack's one Request URL."""

    def __init__(self, app: App, signing_secret: str) -> None:
        self._app = app
        self._verifier = SignatureVerifier(signing_secret)

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()
        request: dict[str, Any] = {}
        try:
            response = self._dispatch(environ, request)
        except Refused as refused:
            request["refused"] = refused.reason
            response = WsgiHttpResponse(
                refused.status, {"content-type": ["application/json"]}, _error(refused.reason)
            )
        log.info(
            "%s → %s in %.0f ms", describe(request), response.status.split()[0],
            (time.perf_counter() - started) * 1000,
        )  # fmt: skip
        start_response(response.status, response.get_headers())
        return response.get_body()

    def _dispatch(self, environ: dict[str, Any], request: dict[str, Any]) -> WsgiHttpResponse:
        """Answers the request; fills `request` with what it was, for the log line."""
        if environ.get("REQUEST_METHOD") != "POST":
            raise Refused(405, "use POST")
        body = _decode(read_body(environ))
        headers = request_headers(environ)
        if not self._verifier.is_valid_request(body, headers):
            raise Refused(401, "invalid signature")
        content_type = headers.get("content-type", "").split(";")[0].strip() or None
        request.update(check_shape(body, content_type))
        with deadline(ACK_DEADLINE_S):
            answer = self._app.dispatch(_bolt_request(body, environ, headers))
        if answer.status >= 500:
            # Bolt has logged what failed; what it failed on is what the client sent
            # (a form without a view type, a button of the wrong shape): a listener's own
            # work runs after its ack and cannot get here.
            raise Refused(400, "unreadable request")
        return WsgiHttpResponse(answer.status, answer.headers, answer.body)


def _bolt_request(body: str, environ: dict[str, Any], headers: dict[str, str]) -> BoltRequest:
    """Bolt reads who and where from the body as it builds the request, and crashes on a
    field of the wrong type (`"user": true`): that is the client's mistake, a 400."""
    try:
        return BoltRequest(
            body=readable_by_bolt(body),
            query=environ.get("QUERY_STRING", ""),
            headers={key: [value] for key, value in headers.items()},
        )
    except (TypeError, KeyError, AttributeError, IndexError, ValueError):
        raise Refused(400, "unreadable request") from None


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "body is not UTF-8") from None


def check_shape(body: str, content_type: str | None) -> dict[str, Any]:
    """The command, interaction or event in `body`, read the way Bolt reads it (JSON when
    declared so or when it starts with `{`, else a form); `Refused` when it is none."""
    if content_type == "application/json" or body.startswith("{"):
        event = _json_object(body, "body")
        _check_event(event)
        return event
    form = dict(parse_qsl(body, keep_blank_values=True))
    if "payload" in form:
        payload = _json_object(form["payload"], "payload")
        _check_typed(payload, "payload")
        return payload
    if not (form.get("command", "").startswith("/") or "ssl_check" in form):
        raise Refused(400, "not a Slack command, interaction or event")
    return form


def describe(request: dict[str, Any]) -> str:
    """One request in a log line: who, in which workspace, did what (never what they typed)."""
    if "refused" in request:
        return f"refused ({request['refused']})"
    what = request.get("command") or request.get("type") or "request"
    if isinstance(request.get("event"), dict):
        what = f"event {request['event'].get('type')}"
    elif isinstance(request.get("actions"), list) and request["actions"]:
        what = f"{what} {request['actions'][0].get('action_id')}"
    elif isinstance(request.get("view"), dict):
        what = f"{what} {request['view'].get('callback_id')}"
    team = request.get("team_id") or _id(request.get("team"))
    user = request.get("user_id") or _id(request.get("user")) or _id(request.get("event"), "user")
    return f"slack {what} team={team or '-'} user={user or '-'}"


def _id(value: object, name: str = "id") -> str | None:
    if isinstance(value, dict):
        found = value.get(name)
        return found if isinstance(found, str) else None
    return value if isinstance(value, str) else None


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        raise Refused(400, f"{what} is not JSON") from None
    if not isinstance(value, dict):
        raise Refused(400, f"{what} must be a JSON object")
    return value


def _check_typed(value: dict[str, Any], what: str) -> None:
    """A type, and the fields Bolt reads before any listener runs in the shape Slack
    sends them: Bolt crashes on `"event": null` or `"actions": "x"`."""
    if not isinstance(value.get("type"), str):
        raise Refused(400, f"{what} has no type")
    for name, shapes in FIELD_SHAPES.items():
        if name in value and not isinstance(value[name], shapes):
            raise Refused(400, f"{name} has the wrong shape")
        if shapes is list and name in value and not all(isinstance(v, dict) for v in value[name]):
            raise Refused(400, f"{name} must be a list of objects")


def _check_event(body: dict[str, Any]) -> None:
    if body.get("type") == "event_callback":
        event = body.get("event")
        if not isinstance(event, dict):
            raise Refused(400, "event must be a JSON object")
        _check_typed(event, "event")
    _check_typed(body, "body")


def readable_by_bolt(body: str) -> str:
    """Bolt takes any form body containing the word "payload" for a button press
    (`slack_bolt.request.internals.parse_body`), so a `/fieldnote` that mentions a
    payload was dropped; spelling the p as %70 reads back the same."""
    if body.startswith("{") or body.startswith("payload=") or "&payload=" in body:
        return body
    return body.replace("payload", "%70ayload")


def _error(reason: str) -> str:
    return json.dumps({"ok": False, "error": reason})
