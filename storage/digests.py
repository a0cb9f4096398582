"""Digest subscriptions, their per-record cursors, and the periods they post.

A subscription remembers where its last digest ended in two ways: the instant
(`period_start`, which drives the schedule) and, per kind of record, the last
record id it covered (`DigestCursor`, which drives the content). Content is
tracked by id so nothing is skipped or shown twice whatever the clocks say.

A period's content range is frozen the first time it is attempted
(`DigestPeriod.ranges`) together with the rendered messages (`DigestMessage`),
so a post that fails is retried later with exactly the same content, resuming
at the first message part that did not go out. Cursors and `period_start` move
only when the whole period went through, in the same transaction that marks it
sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    delete,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage import claims, digest_themes
from storage.base import Base, UTCDateTime
from storage.db import Database
from storage.digest_themes import ThemeChange

Ranges = dict[str, tuple[int, int]]  # record kind → (after id, up to id inclusive)


class DigestSubscription(Base):
    __tablename__ = "digest_subscriptions"
    __table_args__ = (Index("ix_digest_subscriptions_team_channel", "team_id", "channel_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    cadence: Mapped[str] = mapped_column(String(16))  # "daily" | "weekly"
    post_at: Mapped[str] = mapped_column(String(5))  # local "HH:MM"
    timezone: Mapped[str] = mapped_column(String(64))
    tags: Mapped[str] = mapped_column(Text, default="")  # space-separated; empty = every tag
    post_when_empty: Mapped[bool] = mapped_column(Boolean, default=False)
    # Space-separated section names (notes deals promises); empty = every section.
    sections: Mapped[str] = mapped_column(Text, default="")
    # Daily digests with a chart; weekly digests always carry one.
    chart: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    period_start: Mapped[datetime] = mapped_column(UTCDateTime())

    @property
    def tag_filter(self) -> tuple[str, ...]:
        return tuple(self.tags.split())

    @property
    def section_names(self) -> tuple[str, ...]:
        return tuple(self.sections.split())


class DigestCursor(Base):
    """The last record id of one kind that a subscription's digests have covered."""

    __tablename__ = "digest_cursors"

    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("digest_subscriptions.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    last_id: Mapped[int] = mapped_column()


class DigestPeriod(Base):
    __tablename__ = "digest_periods"
    __table_args__ = (
        UniqueConstraint("subscription_id", "period_start", name="uq_digest_periods_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("digest_subscriptions.id", ondelete="CASCADE")
    )
    period_start: Mapped[datetime] = mapped_column(UTCDateTime())
    period_end: Mapped[datetime] = mapped_column(UTCDateTime())
    ranges_json: Mapped[str] = mapped_column("ranges", Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|sent|empty
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    message_ts: Mapped[str | None] = mapped_column(String(32))
    # The chart's numbers, frozen with the messages (None: no chart), and the file it became.
    chart_json: Mapped[str | None] = mapped_column("chart", Text)
    chart_file: Mapped[str | None] = mapped_column(String(32))

    @property
    def ranges(self) -> Ranges:
        return {kind: (span[0], span[1]) for kind, span in json.loads(self.ranges_json).items()}


class DigestMessage(Base):
    """One rendered message of a period: part 0 in the channel, the others in its thread."""

    __tablename__ = "digest_messages"
    __table_args__ = (
        UniqueConstraint("period_id", "part", name="uq_digest_messages_part"),
        Index("ix_digest_messages_channel_ts", "channel_id", "ts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    period_id: Mapped[int] = mapped_column(ForeignKey("digest_periods.id", ondelete="CASCADE"))
    part: Mapped[int] = mapped_column()
    channel_id: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    blocks_json: Mapped[str] = mapped_column("blocks", Text)
    ts: Mapped[str | None] = mapped_column(String(32))

    @property
    def blocks(self) -> list[dict]:
        return json.loads(self.blocks_json)


@dataclass(frozen=True)
class NewSubscription:
    team_id: str
    channel_id: str
    cadence: str
    post_at: str
    timezone: str
    tags: tuple[str, ...]
    created_by: str
    created_at: datetime
    post_when_empty: bool = False
    sections: tuple[str, ...] = ()
    chart: bool = False


@dataclass(frozen=True)
class RenderedMessage:
    text: str
    blocks: list[dict]


# ---- subscriptions ------------------------------------------------------------------------


def add_subscription(
    db: Database, new: NewSubscription, starting_ids: dict[str, int]
) -> DigestSubscription:
    """Store a subscription whose first digest covers what is recorded after `starting_ids`."""
    subscription = DigestSubscription(
        team_id=new.team_id,
        channel_id=new.channel_id,
        cadence=new.cadence,
        post_at=new.post_at,
        timezone=new.timezone,
        tags=" ".join(new.tags),
        post_when_empty=new.post_when_empty,
        sections=" ".join(new.sections),
        chart=new.chart,
        created_by=new.created_by,
        created_at=new.created_at,
        period_start=new.created_at,
    )
    with db.session() as session:
        session.add(subscription)
        session.flush()
        for kind, last_id in starting_ids.items():
            _move_cursor(session, subscription.id, new.team_id, kind, last_id)
    return subscription


def get_subscription(db: Database, subscription_id: int) -> DigestSubscription | None:
    with db.session() as session:
        return session.get(DigestSubscription, subscription_id)


def subscriptions(db: Database, team_id: str | None = None) -> list[DigestSubscription]:
    """A workspace's subscriptions (every workspace's when `team_id` is None), oldest first."""
    query = select(DigestSubscription).order_by(DigestSubscription.id)
    if team_id is not None:
        query = query.where(DigestSubscription.team_id == team_id)
    with db.session() as session:
        return list(session.scalars(query))


def subscriptions_in(
    db: Database, team_id: str | None, channel_id: str
) -> list[DigestSubscription]:
    """A channel's subscriptions, in one workspace or (`team_id` None) in any."""
    query = select(DigestSubscription).where(DigestSubscription.channel_id == channel_id)
    if team_id is not None:
        query = query.where(DigestSubscription.team_id == team_id)
    with db.session() as session:
        return list(session.scalars(query.order_by(DigestSubscription.id)))


def remove_subscription(db: Database, team_id: str, subscription_id: int) -> bool:
    with db.session() as session:
        result = session.execute(
            delete(DigestSubscription).where(
                DigestSubscription.team_id == team_id, DigestSubscription.id == subscription_id
            )
        )
        return result.rowcount > 0


def cursors(db: Database, subscription_id: int) -> dict[str, int]:
    with db.session() as session:
        rows = session.execute(
            select(DigestCursor.kind, DigestCursor.last_id).where(
                DigestCursor.subscription_id == subscription_id
            )
        )
        return {kind: last_id for kind, last_id in rows}


# ---- periods ------------------------------------------------------------------------------


def pending_period(
    db: Database, subscription_id: int, period_start: datetime
) -> DigestPeriod | None:
    """The period already frozen for this start (by an earlier, failed attempt), if any."""
    with db.session() as session:
        return session.scalar(
            select(DigestPeriod).where(
                DigestPeriod.subscription_id == subscription_id,
                DigestPeriod.period_start == period_start,
            )
        )


def freeze_period(
    db: Database,
    subscription: DigestSubscription,
    period_end: datetime,
    ranges: Ranges,
    messages: list[RenderedMessage],
    themes: ThemeChange | None = None,
    chart_json: str | None = None,
) -> DigestPeriod:
    """Record the content range and rendered messages of the subscription's open period, and
    the rising themes they flag, at once: a theme is flagged exactly when its digest exists."""
    period = DigestPeriod(
        team_id=subscription.team_id,
        subscription_id=subscription.id,
        period_start=subscription.period_start,
        period_end=period_end,
        ranges_json=json.dumps({kind: list(span) for kind, span in ranges.items()}),
        status="pending",
        chart_json=chart_json,
    )
    with db.session() as session:
        session.add(period)
        session.flush()
        session.add_all(
            DigestMessage(
                team_id=subscription.team_id,
                period_id=period.id,
                part=part,
                channel_id=subscription.channel_id,
                text=message.text,
                blocks_json=json.dumps(message.blocks),
            )
            for part, message in enumerate(messages)
        )
        if themes is not None:
            digest_themes.record_in(session, themes, period_end)
    return period


def messages_of(db: Database, period_id: int) -> list[DigestMessage]:
    with db.session() as session:
        return list(
            session.scalars(
                select(DigestMessage)
                .where(DigestMessage.period_id == period_id)
                .order_by(DigestMessage.part)
            )
        )


def record_message_posted(db: Database, message_id: int, ts: str) -> None:
    """Remember each part as soon as Slack took it, so a retry resumes after it."""
    with db.session() as session:
        session.execute(update(DigestMessage).where(DigestMessage.id == message_id).values(ts=ts))


def record_chart_posted(db: Database, period_id: int, file_id: str) -> None:
    """Remember the uploaded chart, so a retry of the period does not upload it twice."""
    with db.session() as session:
        session.execute(
            update(DigestPeriod).where(DigestPeriod.id == period_id).values(chart_file=file_id)
        )


def finish_period(
    db: Database, period: DigestPeriod, status: str, now: datetime, claim_key: str | None
) -> None:
    """Mark the period sent (or empty) and move the cursors and the schedule, all at once."""
    messages = messages_of(db, period.id)
    first_ts = messages[0].ts if messages else None
    with db.session() as session:
        session.execute(
            update(DigestPeriod)
            .where(DigestPeriod.id == period.id)
            .values(status=status, sent_at=now, message_ts=first_ts)
        )
        session.execute(
            update(DigestSubscription)
            .where(
                DigestSubscription.id == period.subscription_id,
                DigestSubscription.period_start < period.period_end,
            )
            .values(period_start=period.period_end)
        )
        for kind, (_after, upto) in period.ranges.items():
            _move_cursor(session, period.subscription_id, period.team_id, kind, upto)
        if claim_key is not None:
            claims.complete_in(session.connection(), claim_key, now, first_ts)


def _move_cursor(
    session: Session, subscription_id: int, team_id: str, kind: str, upto: int
) -> None:
    """Create or advance a cursor; cursors never move backwards."""
    cursor = session.get(DigestCursor, (subscription_id, kind))
    if cursor is None:
        session.add(
            DigestCursor(subscription_id=subscription_id, kind=kind, team_id=team_id, last_id=upto)
        )
    elif cursor.last_id < upto:
        cursor.last_id = upto


def last_sent_period(db: Database, subscription_id: int) -> DigestPeriod | None:
    with db.session() as session:
        return session.scalar(
            select(DigestPeriod)
            .where(DigestPeriod.subscription_id == subscription_id, DigestPeriod.status == "sent")
            .order_by(DigestPeriod.period_start.desc())
            .limit(1)
        )


def message_at(db: Database, team_id: str, channel_id: str, ts: str) -> DigestMessage | None:
    with db.session() as session:
        return session.scalar(
            select(DigestMessage).where(
                DigestMessage.team_id == team_id,
                DigestMessage.channel_id == channel_id,
                DigestMessage.ts == ts,
            )
        )


def replace_blocks(db: Database, message_id: int, blocks: list[dict]) -> None:
    with db.session() as session:
        session.execute(
            update(DigestMessage)
            .where(DigestMessage.id == message_id)
            .values(blocks_json=json.dumps(blocks))
        )
