"""Field notes can name the deal they are about (the form's "Related deal").

Revision ID: 0006_note_deal
Revises: 0005_merge_features
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_note_deal"
down_revision: str | Sequence[str] | None = "0005_merge_features"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("field_notes") as batch:
        batch.add_column(sa.Column("deal_ref", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_field_notes_deal_ref_deals", "deals", ["deal_ref"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("field_notes") as batch:
        batch.drop_constraint("fk_field_notes_deal_ref_deals", type_="foreignkey")
        batch.drop_column("deal_ref")
