"""The claims ledger on both databases: one owner per key, released work comes back,
finished work never does, and a dead owner's or a rate-limited claim frees up in time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage import claims
from storage.db import Database

TEAM = "T0001"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_a_key_is_claimed_once_until_it_is_released(db: Database) -> None:
    assert claims.claim_once(db, TEAM, "work:1", NOW)
    assert not claims.claim_once(db, TEAM, "work:1", NOW)
    claims.release(db, "work:1")
    assert claims.claim_once(db, TEAM, "work:1", NOW)


def test_finished_work_stays_finished_with_its_result(db: Database) -> None:
    assert claims.claim_once(db, TEAM, "work:2", NOW)
    claims.complete(db, "work:2", NOW, "C1:1.0")
    claims.release(db, "work:2")
    assert not claims.claim_once(db, TEAM, "work:2", NOW + claims.LEASE * 2)
    assert claims.is_done(db, "work:2")
    assert claims.result_of(db, "work:2") == "C1:1.0"
    assert claims.done_keys(db, ["work:2", "work:3"]) == {"work:2"}


def test_a_dead_owners_claim_is_taken_over_after_the_lease(db: Database) -> None:
    assert claims.claim_once(db, TEAM, "work:4", NOW)
    assert not claims.claim_once(db, TEAM, "work:4", NOW + claims.LEASE - timedelta(seconds=1))
    assert claims.claim_once(db, TEAM, "work:4", NOW + claims.LEASE)


def test_a_rate_limited_claim_waits_for_retry_after(db: Database) -> None:
    assert claims.claim_once(db, TEAM, "work:5", NOW)
    claims.hold_until(db, "work:5", NOW + timedelta(seconds=30))
    assert not claims.claim_once(db, TEAM, "work:5", NOW + timedelta(seconds=29))
    assert claims.claim_once(db, TEAM, "work:5", NOW + timedelta(seconds=30))
