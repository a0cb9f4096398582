"""Who reports to whom (each rep has at most one manager per workspace), and who is in
marketing besides the people in a digest channel."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, UniqueConstraint, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UTCDateTime
from storage.db import Database


class TeamMembership(Base):
    __tablename__ = "team_memberships"
    __table_args__ = (
        UniqueConstraint("team_id", "rep_id", name="uq_team_memberships_rep"),
        Index("ix_team_memberships_team_manager", "team_id", "manager_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    rep_id: Mapped[str] = mapped_column(String(32))
    manager_id: Mapped[str] = mapped_column(String(32))


class Marketer(Base):
    """Someone an admin named with `/perspective marketers @…`."""

    __tablename__ = "marketers"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    added_by: Mapped[str] = mapped_column(String(32))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())


def assign_reps(db: Database, team_id: str, manager_id: str, rep_ids: list[str]) -> None:
    """Make `manager_id` the manager of each rep; a rep who had another manager moves."""
    with db.session() as session:
        session.execute(
            delete(TeamMembership).where(
                TeamMembership.team_id == team_id, TeamMembership.rep_id.in_(rep_ids)
            )
        )
        session.add_all(
            TeamMembership(team_id=team_id, rep_id=rep, manager_id=manager_id) for rep in rep_ids
        )


def manager_of(db: Database, team_id: str, rep_id: str) -> str | None:
    with db.session() as session:
        return session.scalar(
            select(TeamMembership.manager_id).where(
                TeamMembership.team_id == team_id, TeamMembership.rep_id == rep_id
            )
        )


def reps_of(db: Database, team_id: str, manager_id: str) -> list[str]:
    with db.session() as session:
        return list(
            session.scalars(
                select(TeamMembership.rep_id)
                .where(TeamMembership.team_id == team_id, TeamMembership.manager_id == manager_id)
                .order_by(TeamMembership.rep_id)
            )
        )


def all_managers(db: Database, team_id: str) -> list[str]:
    with db.session() as session:
        return list(
            session.scalars(
                select(TeamMembership.manager_id)
                .where(TeamMembership.team_id == team_id)
                .distinct()
                .order_by(TeamMembership.manager_id)
            )
        )


def all_teams_and_managers(db: Database) -> list[tuple[str, str]]:
    """Every (workspace, manager) pair, for jobs that visit each manager once."""
    with db.session() as session:
        return [
            (team_id, manager_id)
            for team_id, manager_id in session.execute(
                select(TeamMembership.team_id, TeamMembership.manager_id)
                .distinct()
                .order_by(TeamMembership.team_id, TeamMembership.manager_id)
            )
        ]


def add_marketers(
    db: Database, team_id: str, user_ids: list[str], added_by: str, now: datetime
) -> list[str]:
    """Name people as marketers; returns those who were not named already."""
    with db.session() as session:
        known = set(
            session.scalars(
                select(Marketer.user_id).where(
                    Marketer.team_id == team_id, Marketer.user_id.in_(user_ids)
                )
            )
        )
        new = [user for user in user_ids if user not in known]
        session.add_all(
            Marketer(team_id=team_id, user_id=user, added_by=added_by, added_at=now) for user in new
        )
    return new


def named_marketers(db: Database, team_id: str) -> list[str]:
    with db.session() as session:
        return list(
            session.scalars(
                select(Marketer.user_id)
                .where(Marketer.team_id == team_id)
                .order_by(Marketer.user_id)
            )
        )


def is_named_marketer(db: Database, team_id: str, user_id: str) -> bool:
    with db.session() as session:
        found = session.scalar(
            select(Marketer.user_id).where(Marketer.team_id == team_id, Marketer.user_id == user_id)
        )
    return found is not None


def all_memberships(db: Database, team_id: str) -> list[tuple[str, str]]:
    """Every (manager, rep) pair of a workspace, by manager, for the admin's Home."""
    with db.session() as session:
        return [
            (manager, rep)
            for manager, rep in session.execute(
                select(TeamMembership.manager_id, TeamMembership.rep_id)
                .where(TeamMembership.team_id == team_id)
                .order_by(TeamMembership.manager_id, TeamMembership.rep_id)
            )
        ]


def all_reps(db: Database, team_id: str) -> list[str]:
    """Every rep on a team in the workspace: who hears a message back from marketing."""
    with db.session() as session:
        return list(
            session.scalars(
                select(TeamMembership.rep_id)
                .where(TeamMembership.team_id == team_id)
                .order_by(TeamMembership.rep_id)
            )
        )
