"""Comments on customers and projects."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from horae.db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from horae.users.models import User


class CommentColumns:
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)

    @declared_attr
    def created_by_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("users.id", ondelete="CASCADE"))

    @declared_attr
    def created_by(cls) -> Mapped[User]:
        return relationship(lazy="joined", innerjoin=True)


class CustomerComment(CommentColumns, Base):
    __tablename__ = "customer_comments"
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)


class ProjectComment(CommentColumns, Base):
    __tablename__ = "project_comments"
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
