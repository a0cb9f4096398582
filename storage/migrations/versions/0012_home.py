"""What the Home tab, the welcome and the *Save as field note* shortcut need to remember.

Revision ID: 0012_home
Revises: 0009_deals_owner_index
Create Date: 2026-12-03

- field_notes.permalink / said_by: a note saved from a Slack message keeps a link to it
  and who wrote it (not always the rep who saved it).
- marketers: people an admin named with `/perspective marketers @…`, besides the
  members of digest channels.
- note_questions: each *Ask rep* a marketer pressed, so their Home lists what they asked.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.base import UTCDateTime

revision: str = "0012_home"
down_revision: str | Sequence[str] | None = "0009_deals_owner_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("field_notes") as batch:
        batch.add_column(sa.Column("permalink", sa.Text(), nullable=True))
        batch.add_column(sa.Column("said_by", sa.String(32), nullable=True))
    op.create_table(
        "marketers",
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("added_by", sa.String(32), nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id"),
    )
    op.create_table(
        "note_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("asked_by", sa.String(32), nullable=False),
        sa.Column("asked_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["note_id"], ["field_notes.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_note_questions_team_asked_by", "note_questions", ["team_id", "asked_by", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_note_questions_team_asked_by", "note_questions")
    op.drop_table("note_questions")
    op.drop_table("marketers")
    with op.batch_alter_table("field_notes") as batch:
        batch.drop_column("said_by")
        batch.drop_column("permalink")
