"""Join the competitor view and the Home-per-role schema branches into one history.

Both were built side by side on 0009; this revision has no schema change of its own,
it only gives Alembic one head again.

Revision ID: 0013_merge_intel_home
Revises: 0010_intel, 0012_home
Create Date: 2026-12-03
"""

from collections.abc import Sequence

revision: str = "0013_merge_intel_home"
down_revision: str | Sequence[str] | None = ("0010_intel", "0012_home")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
