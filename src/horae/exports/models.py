"""Export templates: a saved choice of format, language and columns for the export dialog."""

from __future__ import annotations

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from horae.db import Base


class ExportTemplate(Base):
    __tablename__ = "export_templates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(100), unique=True)
    # csv, xlsx, pdf or html
    renderer: Mapped[str] = mapped_column(String(20))
    language: Mapped[str | None] = mapped_column(String(6))
    columns: Mapped[list[str]] = mapped_column(JSON, default=list)
    options: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
