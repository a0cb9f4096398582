"""Digest extras: sections and a chart per subscription, rising themes flagged, recognition opt-outs.

Revision ID: 0011_digest_extras
Revises: 0009_deals_owner_index
Create Date: 2026-12-03

A subscription chooses its sections (empty: every section) and whether a daily
digest carries the weekly chart. A period freezes its chart's numbers with its
messages, and remembers the file the chart became, so a retry neither draws
different numbers nor uploads twice. Rising themes are remembered per
subscription so each rise is flagged once. Reps who would rather not be named
in the monthly recognition are listed in `recognition_opt_outs`.

`ix_field_note_tags_team_tag` gains the note id: rising themes and the chart
count each tag's notes over weeks by id range from that index alone.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.base import UTCDateTime

revision: str = "0011_digest_extras"
down_revision: str | Sequence[str] | None = "0009_deals_owner_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


TAGS_INDEX = "ix_field_note_tags_team_tag"


def upgrade() -> None:
    op.drop_index(TAGS_INDEX, "field_note_tags")
    op.create_index(TAGS_INDEX, "field_note_tags", ["team_id", "tag", "note_id"])
    with op.batch_alter_table("digest_subscriptions") as table:
        table.add_column(sa.Column("sections", sa.Text(), nullable=False, server_default=""))
        table.add_column(
            sa.Column("chart", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("digest_periods") as table:
        table.add_column(sa.Column("chart", sa.Text(), nullable=True))
        table.add_column(sa.Column("chart_file", sa.String(length=32), nullable=True))
    op.create_table(
        "digest_rising_themes",
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=100), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("flagged_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["digest_subscriptions.id"],
            name=op.f("fk_digest_rising_themes_subscription_id_digest_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("subscription_id", "tag", name=op.f("pk_digest_rising_themes")),
    )
    op.create_table(
        "recognition_opt_outs",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("since", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id", name=op.f("pk_recognition_opt_outs")),
    )


def downgrade() -> None:
    op.drop_table("recognition_opt_outs")
    op.drop_table("digest_rising_themes")
    with op.batch_alter_table("digest_periods") as table:
        table.drop_column("chart_file")
        table.drop_column("chart")
    with op.batch_alter_table("digest_subscriptions") as table:
        table.drop_column("chart")
        table.drop_column("sections")
    op.drop_index(TAGS_INDEX, "field_note_tags")
    op.create_index(TAGS_INDEX, "field_note_tags", ["team_id", "tag"])
