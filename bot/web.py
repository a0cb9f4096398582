"""What an HTTP endpoint besides Slack's answers: a status and a JSON body.

Features that take HTTP requests (the CRM webhook) build on these types, and
`bot.runtime.server` routes to them, so neither has to import the other's module.
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
