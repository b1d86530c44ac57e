"""Activities: what time is spent on, within one project or globally."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from horae.customers.models import BudgetColumns
from horae.db import Base, UTCDateTime, utcnow
from horae.projects.models import Project
from horae.teams.models import team_activities

if TYPE_CHECKING:
    from horae.meta.models import ActivityMeta
    from horae.teams.models import Team


class Activity(BudgetColumns, Base):
    __tablename__ = "activities"
    __table_args__ = (Index("ix_activities_project_id_visible_name", "project_id", "visible", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # None marks a global activity, usable in every project that allows them.
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(150), index=True)
    # Unique unless the *.rules.allow_duplicate_number setting allows repeats: checked by the service.
    number: Mapped[str | None] = mapped_column(String(10), index=True)
    comment: Mapped[str | None] = mapped_column(Text)
    visible: Mapped[bool] = mapped_column(Boolean, default=True)
    billable: Mapped[bool] = mapped_column(Boolean, default=True)
    invoice_text: Mapped[str | None] = mapped_column(Text)
    color: Mapped[str | None] = mapped_column(String(7))
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)

    project: Mapped[Project | None] = relationship(lazy="joined")
    teams: Mapped[list[Team]] = relationship(secondary=team_activities, back_populates="activities")
    meta: Mapped[list[ActivityMeta]] = relationship(
        back_populates="activity", cascade="all, delete-orphan", order_by="ActivityMeta.id"
    )
