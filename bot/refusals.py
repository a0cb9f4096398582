"""Errors a user can fix are values, not exceptions.

A domain function returns a `Refusal` carrying the friendly text that says how
to do it right; handlers show it ephemerally. Nothing reaches Bolt as a crash.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Refusal:
    message: str
