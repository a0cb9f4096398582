"""Deals' owner index leads with the owner, so a lookup by (team, deal id) can't pick it.

Revision ID: 0009_deals_owner_index
Revises: 0008_promise_attention_index
Create Date: 2026-12-01

With (team_id, owner_id), PostgreSQL could find a deal by (team_id, deal_id)
through it, reading every deal of the team: a plan made while the table was
small (a prepared statement's generic plan, kept for the connection's life)
costed it the same as the unique index and kept it. Resent webhooks then cost
milliseconds each. Led by owner_id, the index serves the same owner queries
(owner and team are both given) and is no candidate for the deal lookup.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009_deals_owner_index"
down_revision: str | Sequence[str] | None = "0008_promise_attention_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_deals_team_owner", "deals")
    op.create_index("ix_deals_owner_team", "deals", ["owner_id", "team_id"])


def downgrade() -> None:
    op.drop_index("ix_deals_owner_team", "deals")
    op.create_index("ix_deals_team_owner", "deals", ["team_id", "owner_id"])
