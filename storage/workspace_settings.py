"""Per-workspace switches admins flip with `/perspective settings`."""

from __future__ import annotations

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base
from storage.db import Database


class WorkspaceSetting(Base):
    __tablename__ = "workspace_settings"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


def get_setting(db: Database, team_id: str, name: str, default: str) -> str:
    with db.session() as session:
        value = session.scalar(
            select(WorkspaceSetting.value).where(
                WorkspaceSetting.team_id == team_id, WorkspaceSetting.name == name
            )
        )
    return default if value is None else value


def set_setting(db: Database, team_id: str, name: str, value: str) -> None:
    with db.session() as session:
        session.merge(WorkspaceSetting(team_id=team_id, name=name, value=value))
