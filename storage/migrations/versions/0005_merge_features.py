"""Join the promises, deals and digests schema branches into one history.

The three features were built side by side on top of the foundation; this
revision has no schema change of its own, it only gives Alembic one head again.

Revision ID: 0005_merge_features
Revises: 0002_promises, 0003_deals, 0004_digests
Create Date: 2026-11-23
"""

from collections.abc import Sequence

revision: str = "0005_merge_features"
down_revision: str | Sequence[str] | None = ("0002_promises", "0003_deals", "0004_digests")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
