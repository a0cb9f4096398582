"""HTTP requests as every endpoint reads them (headers, a body of bounded size) and what
an endpoint besides Slack's answers: a status and a JSON body.

Features that take HTTP requests (the CRM webhook) build on these, and `bot.runtime`
routes to them, so neither has to import the other's module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MAX_BODY_BYTES = 1024 * 1024
"""Slack's own payloads are far smaller; anything bigger is refused before it is read."""


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict[str, Any]


Endpoint = Callable[[bytes, dict[str, str]], Reply]


def request_headers(environ: dict[str, Any]) -> dict[str, str]:
    """A WSGI request's headers by lower-case name, Content-Type among them."""
    found = {
        key[5:].replace("_", "-").lower(): value
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    if environ.get("CONTENT_TYPE"):
        found["content-type"] = environ["CONTENT_TYPE"]
    return found


@dataclass(frozen=True)
class Refused(Exception):
    """A request Slack could not have sent: the status and the reason the sender sees."""

    status: int
    reason: str


def read_body(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise Refused(400, "Content-Length is not a number") from None
    if length > MAX_BODY_BYTES:
        raise Refused(413, "body over 1 MB")
    return environ["wsgi.input"].read(length) if length > 0 else b""
