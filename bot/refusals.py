"""Errors a user can fix are values, not exceptions.

A domain function returns a `Refusal` carrying the friendly text that says how
to do it right; handlers show it ephemerally. Nothing reaches Bolt as a crash.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Refusal:
    message: str
    field: str | None = None
    """The form input the refusal is about, so a modal shows it under that input."""


def admin_refusal(what: str) -> Refusal:
    """The one wording for everyone who is not an admin, naming who can do `what`."""
    return Refusal(
        f":lock: Only workspace admins and the people in PERSPECTIVE_ADMINS can {what}. "
        "Ask one of them to do it for you."
    )
