"""Foundation: field notes with tags, the claims ledger, and team memberships.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.base import UTCDateTime

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "field_notes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("author_id", sa.String(32), nullable=False),
        sa.Column("account", sa.String(200)),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("channel_id", sa.String(32)),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_field_notes_team_created", "field_notes", ["team_id", "created_at"])
    op.create_index(
        "ix_field_notes_team_author_created",
        "field_notes",
        ["team_id", "author_id", "created_at"],
    )
    op.create_table(
        "field_note_tags",
        sa.Column(
            "note_id",
            sa.Integer(),
            sa.ForeignKey("field_notes.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("position", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("tag", sa.String(100), nullable=False),
    )
    op.create_index("ix_field_note_tags_team_tag", "field_note_tags", ["team_id", "tag"])
    op.create_table(
        "claims",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("claimed_at", UTCDateTime(), nullable=False),
        sa.Column("done_at", UTCDateTime()),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("result", sa.Text()),
    )
    op.create_index("ix_claims_team_done", "claims", ["team_id", "done_at"])
    op.create_table(
        "team_memberships",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("rep_id", sa.String(32), nullable=False),
        sa.Column("manager_id", sa.String(32), nullable=False),
        sa.UniqueConstraint("team_id", "rep_id", name="uq_team_memberships_rep"),
    )
    op.create_index(
        "ix_team_memberships_team_manager", "team_memberships", ["team_id", "manager_id"]
    )


def downgrade() -> None:
    op.drop_table("team_memberships")
    op.drop_table("claims")
    op.drop_table("field_note_tags")
    op.drop_table("field_notes")
