"""Digests: subscriptions, per-record cursors, frozen periods with their messages, note uses.

Revision ID: 0004_digests
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.base import UTCDateTime

revision: str = "0004_digests"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "digest_subscriptions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("cadence", sa.String(16), nullable=False),
        sa.Column("post_at", sa.String(5), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("post_when_empty", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("period_start", UTCDateTime(), nullable=False),
    )
    op.create_index(
        "ix_digest_subscriptions_team_channel", "digest_subscriptions", ["team_id", "channel_id"]
    )
    op.create_table(
        "digest_cursors",
        sa.Column(
            "subscription_id",
            sa.Integer(),
            sa.ForeignKey("digest_subscriptions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("kind", sa.String(40), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
    )
    op.create_table(
        "digest_periods",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column(
            "subscription_id",
            sa.Integer(),
            sa.ForeignKey("digest_subscriptions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("period_start", UTCDateTime(), nullable=False),
        sa.Column("period_end", UTCDateTime(), nullable=False),
        sa.Column("ranges", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("sent_at", UTCDateTime()),
        sa.Column("message_ts", sa.String(32)),
        sa.UniqueConstraint("subscription_id", "period_start", name="uq_digest_periods_start"),
    )
    op.create_table(
        "digest_messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column(
            "period_id",
            sa.Integer(),
            sa.ForeignKey("digest_periods.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("blocks", sa.Text(), nullable=False),
        sa.Column("ts", sa.String(32)),
        sa.UniqueConstraint("period_id", "part", name="uq_digest_messages_part"),
    )
    op.create_index("ix_digest_messages_channel_ts", "digest_messages", ["channel_id", "ts"])
    op.create_table(
        "note_uses",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column(
            "note_id",
            sa.Integer(),
            sa.ForeignKey("field_notes.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("used_by", sa.String(32), nullable=False),
        sa.Column("used_where", sa.Text(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_note_uses_team_note", "note_uses", ["team_id", "note_id"])
    # Digests read notes by id range within a workspace, and a note's tags by note id.
    op.create_index("ix_field_notes_team_id", "field_notes", ["team_id", "id"])
    op.create_index(
        "ix_field_note_tags_team_note", "field_note_tags", ["team_id", "note_id", "position"]
    )


def downgrade() -> None:
    op.drop_index("ix_field_note_tags_team_note", "field_note_tags")
    op.drop_index("ix_field_notes_team_id", "field_notes")
    op.drop_table("note_uses")
    op.drop_table("digest_messages")
    op.drop_table("digest_periods")
    op.drop_table("digest_cursors")
    op.drop_table("digest_subscriptions")
