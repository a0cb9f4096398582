"""Messages marketing sends back to the field, and where each rep stands with one.

A message is DMed to every rep on a team; each rep's copy (a *recipient* row) records
when it went out, whether the rep pressed *Got it* or asked a question, and the one
reminder. The DM and the reminder are claimed (`field-message:<recipient>`,
`field-message-reminder:<recipient>`) so that every process may try them and each goes
out once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage import claims
from storage.base import Base, UTCDateTime
from storage.db import Database

DM_CLAIM = "field-message"
REMINDER_CLAIM = "field-message-reminder"


class FieldMessage(Base):
    __tablename__ = "field_messages"
    __table_args__ = (Index("ix_field_messages_team_id", "team_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    sender_id: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(150))
    text: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())


class FieldMessageRecipient(Base):
    """One rep's copy of a message."""

    __tablename__ = "field_message_recipients"
    __table_args__ = (
        UniqueConstraint("message_id", "rep_id", name="uq_field_message_recipients_message"),
        # The reminder tick reads copies delivered long enough ago and not yet reminded.
        Index("ix_field_message_recipients_reminder", "reminded_at", "delivered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("field_messages.id", ondelete="CASCADE"))
    team_id: Mapped[str] = mapped_column(String(32))
    rep_id: Mapped[str] = mapped_column(String(32))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    message: Mapped[FieldMessage] = relationship(lazy="joined", innerjoin=True)

    @property
    def answered(self) -> bool:
        return self.acknowledged_at is not None or self.asked_at is not None


class FieldQuestion(Base):
    """What a rep asked about a message; it reaches the sender in a DM with the rep."""

    __tablename__ = "field_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(
        ForeignKey("field_message_recipients.id", ondelete="CASCADE"), index=True
    )
    team_id: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime())

    recipient: Mapped[FieldMessageRecipient] = relationship(lazy="joined", innerjoin=True)


@dataclass(frozen=True)
class NewFieldMessage:
    team_id: str
    sender_id: str
    title: str
    text: str
    sent_at: datetime


def dm_key(recipient_id: int) -> str:
    return f"{DM_CLAIM}:{recipient_id}"


def reminder_key(recipient_id: int) -> str:
    return f"{REMINDER_CLAIM}:{recipient_id}"


def create(db: Database, new: NewFieldMessage, rep_ids: list[str]) -> list[FieldMessageRecipient]:
    """Store the message and one copy per rep, each copy's DM claimed in the same
    transaction (nobody else can know of it yet), for the caller to send."""
    with db.session() as session:
        message = FieldMessage(
            team_id=new.team_id,
            sender_id=new.sender_id,
            title=new.title,
            text=new.text,
            sent_at=new.sent_at,
        )
        copies = [
            FieldMessageRecipient(message=message, team_id=new.team_id, rep_id=rep)
            for rep in rep_ids
        ]
        session.add_all([message, *copies])
        session.flush()
        for copy in copies:
            claims.claim_in(session.connection(), new.team_id, dm_key(copy.id), new.sent_at)
    return copies


def mark_delivered(db: Database, recipient_id: int, now: datetime, sent: str) -> None:
    """Record the DM and complete its claim in one transaction."""
    with db.session() as session:
        session.execute(
            update(FieldMessageRecipient)
            .where(FieldMessageRecipient.id == recipient_id)
            .values(delivered_at=now)
        )
        claims.complete_in(session.connection(), dm_key(recipient_id), now, sent)


def mark_reminded(db: Database, recipient_id: int, now: datetime, sent: str) -> None:
    with db.session() as session:
        session.execute(
            update(FieldMessageRecipient)
            .where(FieldMessageRecipient.id == recipient_id)
            .values(reminded_at=now)
        )
        claims.complete_in(session.connection(), reminder_key(recipient_id), now, sent)


def recipient(db: Database, team_id: str, recipient_id: int) -> FieldMessageRecipient | None:
    with db.session() as session:
        return session.scalar(
            select(FieldMessageRecipient).where(
                FieldMessageRecipient.team_id == team_id, FieldMessageRecipient.id == recipient_id
            )
        )


def acknowledge(db: Database, recipient_id: int, now: datetime) -> None:
    """The first *Got it* counts; pressing again changes nothing."""
    with db.session() as session:
        session.execute(
            update(FieldMessageRecipient)
            .where(
                FieldMessageRecipient.id == recipient_id,
                FieldMessageRecipient.acknowledged_at.is_(None),
            )
            .values(acknowledged_at=now)
        )


def add_question(db: Database, copy: FieldMessageRecipient, text: str, now: datetime) -> int:
    with db.session() as session:
        question = FieldQuestion(
            recipient_id=copy.id, team_id=copy.team_id, text=text, asked_at=now
        )
        session.add(question)
        session.execute(
            update(FieldMessageRecipient)
            .where(FieldMessageRecipient.id == copy.id, FieldMessageRecipient.asked_at.is_(None))
            .values(asked_at=now)
        )
        session.flush()
        return question.id


def question(db: Database, team_id: str, question_id: int) -> FieldQuestion | None:
    with db.session() as session:
        return session.scalar(
            select(FieldQuestion).where(
                FieldQuestion.team_id == team_id, FieldQuestion.id == question_id
            )
        )


def latest(db: Database, team_id: str) -> FieldMessage | None:
    with db.session() as session:
        return session.scalar(
            select(FieldMessage)
            .where(FieldMessage.team_id == team_id)
            .order_by(FieldMessage.id.desc())
            .limit(1)
        )


def copies_of(db: Database, message_id: int) -> list[FieldMessageRecipient]:
    with db.session() as session:
        return list(
            session.scalars(
                select(FieldMessageRecipient)
                .where(FieldMessageRecipient.message_id == message_id)
                .order_by(FieldMessageRecipient.rep_id)
            )
        )


def undelivered(db: Database, limit: int = 500) -> list[FieldMessageRecipient]:
    """Copies whose DM failed or was interrupted, for the tick to send."""
    with db.session() as session:
        return list(
            session.scalars(
                select(FieldMessageRecipient)
                .where(FieldMessageRecipient.delivered_at.is_(None))
                .order_by(FieldMessageRecipient.id)
                .limit(limit)
            )
        )


def awaiting_reminder(db: Database, delivered_before: datetime) -> list[FieldMessageRecipient]:
    """Unanswered copies delivered before `delivered_before` that were never reminded."""
    with db.session() as session:
        return list(
            session.scalars(
                select(FieldMessageRecipient)
                .where(
                    FieldMessageRecipient.reminded_at.is_(None),
                    FieldMessageRecipient.delivered_at <= delivered_before,
                    FieldMessageRecipient.acknowledged_at.is_(None),
                    FieldMessageRecipient.asked_at.is_(None),
                )
                .order_by(FieldMessageRecipient.id)
            )
        )
