"""Promises with due-date history and events, rollouts and their moves.

Revision ID: 0002_promises
Revises: 0001
Create Date: 2026-11-23

Indexes follow the queries the scheduler runs every minute: reminders by
`remind_at`, overdue promises by `due_end_at`, a team's promises by owner, and
the promises that need a rollout.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.base import UTCDateTime

revision: str = "0002_promises"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "promises",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("owner_id", sa.String(32), nullable=False),
        sa.Column("account", sa.String(200)),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("due_end_at", UTCDateTime(), nullable=False),
        sa.Column("remind_at", UTCDateTime()),
        sa.Column("rollout_key", sa.String(64)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("at_risk", sa.Boolean(), nullable=False),
        sa.Column("owner_handling_at", UTCDateTime()),
        sa.Column("manager_seen_at", UTCDateTime()),
        sa.Column("snoozed", sa.Boolean(), nullable=False),
        sa.Column("channel_id", sa.String(32)),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("kept_at", UTCDateTime()),
        sa.Column("broken_at", UTCDateTime()),
        sa.Column("broken_reason", sa.Text()),
    )
    op.create_index(
        "ix_promises_team_owner_status_due", "promises", ["team_id", "owner_id", "status", "due_on"]
    )
    op.create_index("ix_promises_status_remind_at", "promises", ["status", "remind_at"])
    op.create_index("ix_promises_status_due_end_at", "promises", ["status", "due_end_at"])
    op.create_index(
        "ix_promises_team_rollout_status", "promises", ["team_id", "rollout_key", "status"]
    )
    op.create_table(
        "promise_due_date_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column(
            "promise_id",
            sa.Integer(),
            sa.ForeignKey("promises.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("old_due_on", sa.Date(), nullable=False),
        sa.Column("new_due_on", sa.Date(), nullable=False),
        sa.Column("changed_by", sa.String(32), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
    )
    op.create_index(
        "ix_promise_due_date_changes_promise", "promise_due_date_changes", ["promise_id"]
    )
    op.create_table(
        "promise_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column(
            "promise_id",
            sa.Integer(),
            sa.ForeignKey("promises.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("rollout_move_id", sa.Integer()),
    )
    op.create_index("ix_promise_events_team_id", "promise_events", ["team_id", "id"])
    op.create_index("ix_promise_events_rollout_move", "promise_events", ["rollout_move_id"])
    op.create_table(
        "rollouts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("ships_on", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("team_id", "key", name="uq_rollouts_team_key"),
    )
    op.create_table(
        "rollout_moves",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("rollout_key", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("old_ships_on", sa.Date(), nullable=False),
        sa.Column("new_ships_on", sa.Date(), nullable=False),
        sa.Column("moved_by", sa.String(32), nullable=False),
        sa.Column("moved_at", UTCDateTime(), nullable=False),
        sa.Column("notified_at", UTCDateTime()),
    )
    op.create_index("ix_rollout_moves_notified", "rollout_moves", ["notified_at"])


def downgrade() -> None:
    op.drop_table("rollout_moves")
    op.drop_table("rollouts")
    op.drop_table("promise_events")
    op.drop_table("promise_due_date_changes")
    op.drop_table("promises")
