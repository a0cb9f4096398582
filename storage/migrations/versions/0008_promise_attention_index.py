"""A partial index over the promises a manager's nudge lists.

Revision ID: 0008_promise_attention_index
Revises: 0007_claim_retry_at
Create Date: 2026-11-23

The nudge asks for a team's broken and at-risk promises not yet marked "Got it";
with only those rows in the index it no longer reads every promise of each rep.
The condition is `storage.promises.NEEDS_ATTENTION` as of this revision, copied
rather than imported so that this migration keeps building the same index if the
constant changes (that change needs a new migration). SQLite uses the index only
while the two texts match literally: tests/promises/test_promises.py checks the plan.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_promise_attention_index"
down_revision: str | Sequence[str] | None = "0007_claim_retry_at"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEEDS_ATTENTION = "manager_seen_at IS NULL AND (status = 'broken' OR (status = 'open' AND at_risk))"


def upgrade() -> None:
    op.create_index(
        "ix_promises_team_owner_attention",
        "promises",
        ["team_id", "owner_id"],
        sqlite_where=sa.text(NEEDS_ATTENTION),
        postgresql_where=sa.text(NEEDS_ATTENTION),
    )


def downgrade() -> None:
    op.drop_index("ix_promises_team_owner_attention", "promises")
