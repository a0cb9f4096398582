"""Field intelligence: competitor terms and the notes that mention them; messages to the field.

Revision ID: 0010_intel
Revises: 0009_deals_owner_index
Create Date: 2026-12-03

The competitor view counts the notes naming a competitor; searching the text of every note
for it is a scan, so each note's mentions are indexed as rows (`competitor_mentions`),
written with the note. This migration learns the competitors the field already named (in
`#competitor:` tags and win/loss answers) and indexes the notes already stored, so the
view is complete from the first day. Answers are found by their competitor's lower-cased,
trimmed name through an expression index.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.base import UTCDateTime

revision: str = "0010_intel"
down_revision: str | Sequence[str] | None = "0009_deals_owner_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Shorter terms are matched as tags only (storage.intel.MIN_TEXT_TERM).
MIN_TEXT_TERM = 3

TERMS_FROM_TAGS = """
INSERT INTO competitor_terms (team_id, term, competitor, shown, indexed)
SELECT team_id, substr(tag, 12, 100), substr(tag, 12, 100), substr(tag, 12, 100), true
FROM field_note_tags
WHERE tag LIKE 'competitor:%' AND length(tag) > 11
GROUP BY team_id, substr(tag, 12, 100)
"""

TERMS_FROM_ANSWERS = """
INSERT INTO competitor_terms (team_id, term, competitor, shown, indexed)
SELECT team_id, lower(competitor), lower(competitor), min(competitor), true
FROM deal_answers a
WHERE competitor IS NOT NULL AND competitor <> '' AND length(competitor) <= 100
  AND NOT EXISTS (
    SELECT 1 FROM competitor_terms t WHERE t.team_id = a.team_id AND t.term = lower(a.competitor)
  )
GROUP BY team_id, lower(competitor)
"""

MENTIONS = """
INSERT INTO competitor_mentions (note_id, competitor, team_id, author_id, created_at)
SELECT n.id, t.competitor, n.team_id, n.author_id, n.created_at
FROM field_notes n JOIN competitor_terms t ON t.team_id = n.team_id
WHERE (length(t.term) >= {min_term} AND {position}(lower(n.text), t.term) > 0)
   OR EXISTS (
     SELECT 1 FROM field_note_tags g WHERE g.note_id = n.id AND g.tag = 'competitor:' || t.term
   )
"""


def upgrade() -> None:
    op.create_table(
        "competitor_terms",
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("term", sa.String(100), nullable=False),
        sa.Column("competitor", sa.String(100), nullable=False),
        sa.Column("shown", sa.String(100), nullable=False),
        sa.Column("indexed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "term", name="pk_competitor_terms"),
    )
    op.create_index(
        "ix_competitor_terms_team_competitor", "competitor_terms", ["team_id", "competitor"]
    )
    op.create_table(
        "competitor_mentions",
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("competitor", sa.String(100), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("author_id", sa.String(32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["note_id"],
            ["field_notes.id"],
            name="fk_competitor_mentions_note_id_field_notes",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("note_id", "competitor", name="pk_competitor_mentions"),
    )
    op.create_index(
        "ix_competitor_mentions_team_competitor_created",
        "competitor_mentions",
        ["team_id", "competitor", "created_at", "note_id", "author_id"],
    )
    op.create_index(
        "ix_deal_answers_team_competitor",
        "deal_answers",
        ["team_id", sa.text("lower(competitor)")],
    )
    _create_message_tables()
    position = "instr" if op.get_bind().dialect.name == "sqlite" else "strpos"
    op.execute(TERMS_FROM_TAGS)
    op.execute(TERMS_FROM_ANSWERS)
    op.execute(MENTIONS.format(min_term=MIN_TEXT_TERM, position=position))


def _create_message_tables() -> None:
    op.create_table(
        "field_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("sender_id", sa.String(32), nullable=False),
        sa.Column("title", sa.String(150), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_field_messages"),
    )
    op.create_index("ix_field_messages_team_id", "field_messages", ["team_id", "id"])
    op.create_table(
        "field_message_recipients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("rep_id", sa.String(32), nullable=False),
        sa.Column("delivered_at", UTCDateTime(), nullable=True),
        sa.Column("acknowledged_at", UTCDateTime(), nullable=True),
        sa.Column("asked_at", UTCDateTime(), nullable=True),
        sa.Column("reminded_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["field_messages.id"],
            name="fk_field_message_recipients_message_id_field_messages",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_field_message_recipients"),
        sa.UniqueConstraint("message_id", "rep_id", name="uq_field_message_recipients_message"),
    )
    op.create_index(
        "ix_field_message_recipients_reminder",
        "field_message_recipients",
        ["reminded_at", "delivered_at"],
    )
    op.create_table(
        "field_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("asked_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["field_message_recipients.id"],
            name="fk_field_questions_recipient_id_field_message_recipients",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_field_questions"),
    )
    op.create_index("ix_field_questions_recipient_id", "field_questions", ["recipient_id"])


def downgrade() -> None:
    op.drop_table("field_questions")
    op.drop_table("field_message_recipients")
    op.drop_table("field_messages")
    op.drop_index("ix_deal_answers_team_competitor", "deal_answers")
    op.drop_table("competitor_mentions")
    op.drop_table("competitor_terms")
