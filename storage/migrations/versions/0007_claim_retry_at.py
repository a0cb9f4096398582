"""Claims remember when Slack allows a retry (a 429's Retry-After).

Revision ID: 0007_claim_retry_at
Revises: 0006_note_deal
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.base import UTCDateTime

revision: str = "0007_claim_retry_at"
down_revision: str | Sequence[str] | None = "0006_note_deal"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("claims") as batch:
        batch.add_column(sa.Column("retry_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("claims") as batch:
        batch.drop_column("retry_at")
