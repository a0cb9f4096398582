"""What a digest section is given: the subscription's filter and its frozen record ranges.

Its own module so that each section (`deal_section`, `promise_section`) and the
list of sections (`sections`) can all build on it without importing each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from storage.db import Database


@dataclass(frozen=True)
class SectionRequest:
    db: Database
    team_id: str
    tags: tuple[str, ...]  # the subscription's tag filter; empty means everything
    after_id: int  # records with after_id < id <= upto_id belong to this digest
    upto_id: int
    period_start: datetime  # UTC; for aggregates over the period ("reason counts since")
    period_end: datetime
    ranges: Mapping[str, tuple[int, int]] = field(default_factory=dict)  # every kind's range
