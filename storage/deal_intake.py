"""Recording a closed deal: the deal, its closure and its prompt's claim in one transaction."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage import claims, deal_batch, group_commit
from storage.db import Database
from storage.deals import (
    DEAL_VALUES,
    Deal,
    DealClosure,
    NewDeal,
    Recorded,
    prompt_claim_key,
    unanswered,
)


def record_deal(db: Database, new: NewDeal, wants_prompt: bool, now: datetime) -> Recorded:
    """Store a closed deal idempotently on (team, deal_id).

    The unique constraint decides between two first sends of the same deal; a
    conditional update on the current outcome decides between two sends of a
    changed outcome, so each outcome is recorded (and prompted) exactly once.
    A closure that wants a prompt has its prompt claimed in the same transaction
    (`prompt_claim_key`): whoever stored it sends it without claiming again, and
    if that process dies first, the claim's lease hands the prompt to a tick.
    """
    wants_prompt = wants_prompt and new.owner_id is not None
    if not db.is_sqlite:
        recorded = _record_grouped(db, new, wants_prompt, now)
        if recorded is not None:
            return recorded
    with db.session() as session:
        deal = _insert_if_new(session, db, new, now)
        if deal is not None:
            return Recorded(deal, _add_closure(session, deal, new, wants_prompt, now))
        return _record_known(session, new, wants_prompt, now)


def _record_grouped(
    db: Database, new: NewDeal, wants_prompt: bool, now: datetime
) -> Recorded | None:
    """A new deal or a plain resend, batched: alone, the PostgreSQL intake misses the webhook p99.

    None when the deal changed outcome (or was committed meanwhile), for the transaction to decide.
    """
    created = {"team_id": new.team_id, "deal_id": new.deal_id, "source": new.source}
    created |= {"created_at": now, **_deal_values(new)}
    params = {**created, "closed_at": new.closed_at, "wants_prompt": wants_prompt}
    row = group_commit.grouped(db, deal_batch.NEW_CLOSURES, order=deal_batch.by_deal).run(params)
    if row is None:
        return None
    deal_ref, closure_id, *known = row
    if closure_id is not None:
        deal = Deal(id=deal_ref, **created)
        return Recorded(deal, _closure(closure_id, deal, new, wants_prompt, now))
    stored = dict(zip(deal_batch.KNOWN_COLUMNS, known, strict=True))
    if stored["outcome"] != new.outcome:
        return None
    stored["created_at"] = stored["created_at"].astimezone(UTC)
    return Recorded(Deal(id=deal_ref, team_id=new.team_id, deal_id=new.deal_id, **stored), None)


def _insert_if_new(session: Session, db: Database, new: NewDeal, now: datetime) -> Deal | None:
    """The deal inserted, or None when it is known (a concurrent insert is waited for)."""
    dialect_insert = sqlite.insert if db.is_sqlite else postgresql.insert
    statement = (
        dialect_insert(Deal)
        .values(
            team_id=new.team_id,
            deal_id=new.deal_id,
            source=new.source,
            created_at=now,
            **_deal_values(new),
        )
        .on_conflict_do_nothing(index_elements=[Deal.team_id, Deal.deal_id])
        .returning(Deal)
    )
    return session.scalars(statement).one_or_none()


def _record_known(session: Session, new: NewDeal, wants_prompt: bool, now: datetime) -> Recorded:
    """A resend (nothing to do) or a changed outcome (a new closure replaces the open ones)."""
    deal = session.scalars(
        select(Deal).where(Deal.team_id == new.team_id, Deal.deal_id == new.deal_id)
    ).one()
    changed = session.execute(
        update(Deal)
        .where(Deal.id == deal.id, Deal.outcome != new.outcome)
        .values(_deal_values(new))
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:
        # The outcome was already this one: the conditional update decided, not the read.
        session.expunge(deal)
        deal.outcome = new.outcome
        return Recorded(deal, None)
    session.refresh(deal)
    replaced = session.scalars(
        select(DealClosure).where(
            DealClosure.deal_ref == deal.id,
            DealClosure.superseded_at.is_(None),
            DealClosure.prompt_ts.is_not(None),
            unanswered(),
        )
    ).all()
    session.execute(
        update(DealClosure)
        .where(DealClosure.deal_ref == deal.id, DealClosure.superseded_at.is_(None))
        .values(superseded_at=now)
        .execution_options(synchronize_session=False)
    )
    closure = _add_closure(session, deal, new, wants_prompt, now)
    return Recorded(deal, closure, outcome_changed=True, replaced=list(replaced))


def _add_closure(
    session: Session, deal: Deal, new: NewDeal, wants_prompt: bool, now: datetime
) -> DealClosure:
    """Insert the closure and claim its prompt."""
    closure = _closure(None, deal, new, wants_prompt, now)
    session.add(closure)
    session.flush()
    if wants_prompt:
        key = prompt_claim_key(closure.id, new.owner_id)
        claims.claim_in(session.connection(), new.team_id, key, now)
    return closure


def _closure(
    closure_id: int | None, deal: Deal, new: NewDeal, wants_prompt: bool, now: datetime
) -> DealClosure:
    """The closure as stored, not yet prompted."""
    return DealClosure(
        id=closure_id,
        deal=deal,
        answer=None,
        team_id=new.team_id,
        deal_ref=deal.id,
        outcome=new.outcome,
        owner_id=new.owner_id,
        closed_at=new.closed_at,
        created_at=now,
        wants_prompt=wants_prompt,
    )


def _deal_values(new: NewDeal) -> dict[str, object]:
    return {name: getattr(new, name) for name in DEAL_VALUES}
