"""PostgreSQL: the deal intakes of a burst written in one statement (`storage.group_commit`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from storage import group_commit
from storage.deals import PROMPT_CLAIM, Deal, DealClosure

DEAL_COLUMNS = [c for c in Deal.__table__.columns if c.name != "id"]


_CLOSURE_COLUMNS = (
    "team_id",
    "deal_ref",
    "outcome",
    "owner_id",
    "closed_at",
    "created_at",
    "wants_prompt",
)


def _new_closures_sql() -> group_commit.BatchStatement:
    """PostgreSQL: deals, their closures and prompt claims for a whole batch, one statement.

    Returns (n, deal id, closure id) for each deal stored, and (n, deal id, NULL, the
    stored deal's columns) for each deal stored before, so that a plain resend costs
    no more round trips. The stored deals are read from the statement's snapshot: a
    deal another transaction committed meanwhile returns no row, and is looked up
    afterwards. Each is looked up by its key in a LATERAL subquery that cannot be
    turned into a join: a prepared plan made while the table was small would
    otherwise read the whole table for every batch. The claim's key is
    `prompt_claim_key` spelled in SQL (the deal tests check the two agree). Rows are
    inserted in the batch's order, so that two processes take the unique index's
    locks in the same order.
    """
    deal_columns = ", ".join(c.name for c in DEAL_COLUMNS)
    closure_values = ", ".join(
        "d.id" if c == "deal_ref" else f"input.{c}" for c in _CLOSURE_COLUMNS
    )
    sql = f"""
        WITH input AS ({{input}}),
        new_deal AS (
            INSERT INTO deals ({deal_columns})
            SELECT {deal_columns} FROM input ORDER BY n
            ON CONFLICT (team_id, deal_id) DO NOTHING RETURNING id, team_id, deal_id
        ),
        new_closure AS (
            INSERT INTO deal_closures ({", ".join(_CLOSURE_COLUMNS)})
            SELECT {closure_values}
            FROM new_deal d JOIN input USING (team_id, deal_id) ORDER BY n
            RETURNING id, deal_ref, team_id, owner_id, created_at, wants_prompt
        ),
        prompt_claim AS (
            INSERT INTO claims (key, team_id, claimed_at, attempts)
            SELECT '{PROMPT_CLAIM}:' || id || ':' || owner_id, team_id, created_at, 1
            FROM new_closure WHERE wants_prompt
        )
        SELECT input.n, known.id, NULL, {", ".join(f"known.{c}" for c in KNOWN_COLUMNS)}
        FROM input CROSS JOIN LATERAL (
            SELECT * FROM deals
            WHERE deals.team_id = input.team_id AND deals.deal_id = input.deal_id LIMIT 1
        ) known
        UNION ALL
        SELECT input.n, c.deal_ref, c.id, {", ".join("NULL" for _ in KNOWN_COLUMNS)}
        FROM new_closure c JOIN new_deal d ON d.id = c.deal_ref
        JOIN input ON input.team_id = d.team_id AND input.deal_id = d.deal_id"""
    closure = DealClosure.__table__.columns
    columns = {c.name: c.type for c in [*DEAL_COLUMNS, closure.closed_at, closure.wants_prompt]}
    return group_commit.BatchStatement(sql, columns, returns_rows=True)


# What a resend is answered with, read in the intake's statement (all but the key).
KNOWN_COLUMNS = [c.name for c in DEAL_COLUMNS if c.name not in ("team_id", "deal_id")]
NEW_CLOSURES = _new_closures_sql()


def by_deal(params: Mapping[str, Any]) -> tuple[str, str]:
    """Two intakes of one deal go in different batches, the second seeing the first."""
    return params["team_id"], params["deal_id"]
