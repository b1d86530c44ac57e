"""Projects belong to a customer and group activities."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from horae.customers.models import BudgetColumns, Customer
from horae.db import Base, UTCDateTime, utcnow
from horae.teams.models import team_projects

if TYPE_CHECKING:
    from horae.meta.models import ProjectMeta
    from horae.teams.models import Team


class Project(BudgetColumns, Base):
    __tablename__ = "projects"
    __table_args__ = (Index("ix_projects_customer_id_visible_name", "customer_id", "visible", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(150), index=True)
    # Unique unless the *.rules.allow_duplicate_number setting allows repeats: checked by the service.
    number: Mapped[str | None] = mapped_column(String(10), index=True)
    order_number: Mapped[str | None] = mapped_column(String(50))
    order_date: Mapped[date | None] = mapped_column(Date)
    start: Mapped[date | None] = mapped_column(Date)
    end: Mapped[date | None] = mapped_column(Date)
    # The timezone the dates were entered in.
    timezone: Mapped[str | None] = mapped_column(String(64))
    comment: Mapped[str | None] = mapped_column(Text)
    visible: Mapped[bool] = mapped_column(Boolean, default=True)
    billable: Mapped[bool] = mapped_column(Boolean, default=True)
    global_activities: Mapped[bool] = mapped_column(Boolean, default=True)
    invoice_text: Mapped[str | None] = mapped_column(Text)
    color: Mapped[str | None] = mapped_column(String(7))
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)

    # Inner-joined where the project is loaded itself; outer-joined in a chain where the project
    # is itself outer-joined (an activity's optional project), rather than nested as
    # `LEFT JOIN (projects JOIN customers)`, which SQLite builds over every project first
    # (1.6 ms for one activity on 500 projects). "unnested" is documented; the stubs say bool.
    customer: Mapped[Customer] = relationship(lazy="joined", innerjoin="unnested")  # type: ignore[arg-type]
    teams: Mapped[list[Team]] = relationship(
        secondary=team_projects, back_populates="projects", order_by="Team.id"
    )
    meta: Mapped[list[ProjectMeta]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="ProjectMeta.id"
    )
