"""Hourly, fixed and internal rates on customers, projects and activities."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, Integer, Numeric, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from horae.db import Base

if TYPE_CHECKING:
    from horae.users.models import User


class RateColumns:
    """One rate for everyone (no user) or for one user; unique per parent and user."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # 0 stands for "every user", so that the unique constraint also covers the shared rate.
    user_key: Mapped[int] = mapped_column(Integer, default=0)
    rate: Mapped[Decimal] = mapped_column(Numeric(16, 4), default=Decimal("0"))
    internal_rate: Mapped[Decimal | None] = mapped_column(Numeric(16, 4))
    fixed: Mapped[bool] = mapped_column(Boolean, default=False)

    @declared_attr
    def user_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("users.id", ondelete="CASCADE"))

    @declared_attr
    def user(cls) -> Mapped[User | None]:
        return relationship(lazy="joined")


class CustomerRate(RateColumns, Base):
    __tablename__ = "customer_rates"
    __table_args__ = (UniqueConstraint("customer_id", "user_key"),)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))


class ProjectRate(RateColumns, Base):
    __tablename__ = "project_rates"
    __table_args__ = (UniqueConstraint("project_id", "user_key"),)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))


class ActivityRate(RateColumns, Base):
    __tablename__ = "activity_rates"
    __table_args__ = (UniqueConstraint("activity_id", "user_key"),)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
