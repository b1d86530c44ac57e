"""The columns an export can hold: Kimai's default export columns, optional extras, meta fields.

Each column knows its kind (how writers format it) and how to read its value from an exported
row. Rate columns need the permission to see rates; meta columns are the visible timesheet custom
fields, named `meta.<name>`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from horae.api.wire import zone
from horae.errors import BadRequest, Forbidden

TAG_SEPARATOR = "\x1f"
KINDS = ("text", "date", "time", "duration", "money", "bool", "integer")


@dataclass(frozen=True)
class ExportColumn:
    key: str
    label: str
    kind: str
    read: Callable[[Any], Any]
    needs_rates: bool = False
    # Relative width in the PDF layout.
    weight: float = 1.0


def _local(instant: datetime | None, row: Any) -> datetime | None:
    return None if instant is None else instant.astimezone(zone(row.timezone))


def _tags(row: Any) -> str:
    if not row.tags:
        return ""
    return ", ".join(sorted(row.tags.split(TAG_SEPARATOR), key=str.casefold))


def _user_name(row: Any) -> str:
    return str(row.alias or row.username)


STANDARD_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("id", "ID", "integer", lambda r: r.id, weight=0.6),
    ExportColumn("date", "Date", "date", lambda r: r.date, weight=1.0),
    ExportColumn("begin", "Begin", "time", lambda r: _local(r.begin, r), weight=0.7),
    ExportColumn("end", "End", "time", lambda r: _local(r.end, r), weight=0.7),
    ExportColumn("duration", "Duration", "duration", lambda r: r.duration, weight=0.8),
    ExportColumn("break", "Break", "duration", lambda r: r.break_seconds, weight=0.7),
    ExportColumn("user", "User", "text", _user_name, weight=1.3),
    ExportColumn("username", "Username", "text", lambda r: r.username, weight=1.3),
    ExportColumn("account_number", "Account number", "text", lambda r: r.account_number, weight=1.0),
    ExportColumn("customer", "Customer", "text", lambda r: r.customer_name, weight=1.5),
    ExportColumn("customer_number", "Customer number", "text", lambda r: r.customer_number, weight=1.0),
    ExportColumn("vat_id", "VAT ID", "text", lambda r: r.vat_id, weight=1.0),
    ExportColumn("project", "Project", "text", lambda r: r.project_name, weight=1.5),
    ExportColumn("project_number", "Project number", "text", lambda r: r.project_number, weight=1.0),
    ExportColumn("order_number", "Order number", "text", lambda r: r.order_number, weight=1.0),
    ExportColumn("activity", "Activity", "text", lambda r: r.activity_name, weight=1.3),
    ExportColumn("activity_number", "Activity number", "text", lambda r: r.activity_number, weight=1.0),
    ExportColumn("description", "Description", "text", lambda r: r.description, weight=4.0),
    ExportColumn("tags", "Tags", "text", _tags, weight=1.2),
    ExportColumn(
        "hourly_rate", "Hourly rate", "money", lambda r: r.hourly_rate, needs_rates=True, weight=1.0
    ),
    ExportColumn("fixed_rate", "Fixed rate", "money", lambda r: r.fixed_rate, needs_rates=True, weight=1.0),
    ExportColumn("rate", "Rate", "money", lambda r: r.rate, needs_rates=True, weight=1.1),
    ExportColumn(
        "internal_rate", "Internal rate", "money", lambda r: r.internal_rate, needs_rates=True, weight=1.1
    ),
    ExportColumn("currency", "Currency", "text", lambda r: r.currency, weight=0.4),
    ExportColumn("exported", "Exported", "bool", lambda r: bool(r.exported), weight=0.6),
    ExportColumn("billable", "Billable", "bool", lambda r: bool(r.billable), weight=0.6),
    ExportColumn("category", "Category", "text", lambda r: r.category, weight=0.7),
)
BY_KEY = {column.key: column for column in STANDARD_COLUMNS}
# Kimai's default export, in its order; meta columns follow.
DEFAULT_KEYS = (
    "date", "begin", "end", "duration", "user", "customer", "project", "activity", "description", "tags",
    "hourly_rate", "fixed_rate", "rate", "internal_rate", "currency", "exported", "billable",
)  # fmt: skip
META_PREFIX = "meta."


def meta_column(name: str, label: str | None, position: int) -> ExportColumn:
    attribute = f"meta_{position}"
    return ExportColumn(
        f"{META_PREFIX}{name}", label or name, "text", lambda r: getattr(r, attribute), weight=1.2
    )


def choose_columns(
    requested: Sequence[str] | None, meta_fields: Sequence[tuple[str, str | None]], *, may_see_rates: bool
) -> list[ExportColumn]:
    """The columns of an export: the requested ones in their order, or the defaults.

    Unknown names are a bad request; an explicitly requested rate column without the permission
    to see rates is forbidden; the defaults simply leave rate columns out.
    """
    metas = {
        f"{META_PREFIX}{name}": meta_column(name, label, i) for i, (name, label) in enumerate(meta_fields)
    }
    if not requested:
        columns = [BY_KEY[key] for key in DEFAULT_KEYS] + list(metas.values())
        return [c for c in columns if may_see_rates or not c.needs_rates]
    chosen: list[ExportColumn] = []
    for key in dict.fromkeys(requested):
        column = BY_KEY.get(key) or metas.get(key)
        if column is None:
            raise BadRequest(f"unknown column {key!r}")
        if column.needs_rates and not may_see_rates:
            raise Forbidden(f"the column {key!r} needs the permission to see rates")
        chosen.append(column)
    return chosen
