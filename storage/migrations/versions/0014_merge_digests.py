"""Join the digest extras (sections, rising themes, recognition, charts) to the rest.

Built side by side with the others on 0009; this revision has no schema change of its own,
it only gives Alembic one head again.

Revision ID: 0014_merge_digests
Revises: 0011_digest_extras, 0013_merge_intel_home
Create Date: 2026-12-03
"""

from collections.abc import Sequence

revision: str = "0014_merge_digests"
down_revision: str | Sequence[str] | None = ("0011_digest_extras", "0013_merge_intel_home")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
