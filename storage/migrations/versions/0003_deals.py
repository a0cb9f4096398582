"""Closed deals: deals, their closures (one per recorded outcome, with prompt and
reminder state), the reps' answers, and per-workspace settings (win prompts on/off).

Revision ID: 0003_deals
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.base import UTCDateTime

revision: str = "0003_deals"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("deal_id", sa.String(200), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("account", sa.String(200)),
        sa.Column("amount", sa.Numeric(16, 2)),
        sa.Column("currency", sa.String(3)),
        sa.Column("outcome", sa.String(4), nullable=False),
        sa.Column("owner_id", sa.String(32)),
        sa.Column("owner_email", sa.String(320)),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("team_id", "deal_id", name="uq_deals_team_deal"),
    )
    op.create_index("ix_deals_team_owner", "deals", ["team_id", "owner_id"])
    op.create_table(
        "deal_closures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column(
            "deal_ref", sa.Integer(), sa.ForeignKey("deals.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("outcome", sa.String(4), nullable=False),
        sa.Column("owner_id", sa.String(32)),
        sa.Column("closed_at", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("wants_prompt", sa.Boolean(), nullable=False),
        sa.Column("prompt_channel", sa.String(32)),
        sa.Column("prompt_ts", sa.String(32)),
        sa.Column("prompted_at", UTCDateTime()),
        sa.Column("reminded_at", UTCDateTime()),
        sa.Column("reminded_again_at", UTCDateTime()),
        sa.Column("escalated_at", UTCDateTime()),
        sa.Column("escalated_to", sa.String(32)),
        sa.Column("superseded_at", UTCDateTime()),
    )
    op.create_index("ix_deal_closures_team_id", "deal_closures", ["team_id", "id"])
    op.create_index("ix_deal_closures_team_owner", "deal_closures", ["team_id", "owner_id"])
    op.create_index("ix_deal_closures_prompted", "deal_closures", ["prompted_at"])
    op.create_index("ix_deal_closures_team_created", "deal_closures", ["team_id", "created_at"])
    op.create_index("ix_deal_closures_deal_ref", "deal_closures", ["deal_ref"])
    op.create_table(
        "deal_answers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column(
            "closure_id",
            sa.Integer(),
            sa.ForeignKey("deal_closures.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("competitor", sa.String(200)),
        sa.Column("customer_said", sa.Text(), nullable=False),
        sa.Column("talked_to_customer", sa.Boolean(), nullable=False),
        sa.Column("marketing_note", sa.Text()),
        sa.Column("answered_by", sa.String(32), nullable=False),
        sa.Column("answered_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("closure_id", name="uq_deal_answers_closure_id"),
    )
    op.create_index("ix_deal_answers_team_answered", "deal_answers", ["team_id", "answered_at"])
    op.create_table(
        "workspace_settings",
        sa.Column("team_id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("workspace_settings")
    op.drop_table("deal_answers")
    op.drop_table("deal_closures")
    op.drop_table("deals")
