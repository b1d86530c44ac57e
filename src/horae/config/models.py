"""System configuration: named settings changed by administrators at run time."""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from horae.db import Base


class ConfigEntry(Base):
    __tablename__ = "configuration"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    value: Mapped[str | None] = mapped_column(String(1024))
