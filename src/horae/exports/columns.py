"""The columns an export can hold: Kimai's default export columns, optional extras, meta fields.

Each column knows its kind (how writers format it) and how to read its values from a batch of
exported rows, column by column (`Fields`: the select's labels to their values in row order).
Rate columns need the permission to see rates; meta columns are the visible timesheet custom
fields, named `meta.<name>`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from operator import itemgetter
from typing import Any

from horae.api.wire import zone
from horae.errors import BadRequest, Forbidden

TAG_SEPARATOR = "\x1f"
KINDS = ("text", "date", "time", "duration", "money", "bool", "integer")
# A batch of exported rows, column by column: each label of the select to its values in row order.
Fields = Mapping[str, Sequence[Any]]


@dataclass(frozen=True)
class ExportColumn:
    key: str
    label: str
    kind: str
    # The labels of the select the column reads; the select holds only those of its columns.
    fields: tuple[str, ...]
    # The column's values for every row of a batch, in row order.
    read: Callable[[Fields], Sequence[Any]]
    needs_rates: bool = False
    # Relative width in the PDF layout.
    weight: float = 1.0


def _field(key: str, label: str, kind: str, field: str, **options: Any) -> ExportColumn:
    """A column holding one field of the select as it is read."""
    return ExportColumn(key, label, kind, (field,), itemgetter(field), **options)


def _local(label: str) -> Callable[[Fields], list[datetime | None]]:
    """An instant (read as naive UTC) as the wall-clock time of the record's own timezone."""

    def read(fields: Fields) -> list[datetime | None]:
        # Records of a batch share many instants (sorted by begin): each is converted once.
        pairs = list(zip(fields[label], fields["timezone"], strict=True))
        zones = {name: zone(name) for name in set(fields["timezone"])}
        local = {
            (instant, name): None if instant is None else instant.replace(tzinfo=UTC).astimezone(zones[name])
            for instant, name in set(pairs)
        }
        return [local[pair] for pair in pairs]

    return read


@lru_cache(maxsize=4096)
def _tag_list(names: str) -> str:
    return ", ".join(sorted(names.split(TAG_SEPARATOR), key=str.casefold))


def _tags(fields: Fields) -> list[str]:
    return [_tag_list(names) if names else "" for names in fields["tags"]]


def _user_name(fields: Fields) -> list[str]:
    names = zip(fields["alias"], fields["username"], strict=True)
    return [str(alias or username) for alias, username in names]


def _flag(label: str) -> Callable[[Fields], list[bool]]:
    return lambda fields: [bool(value) for value in fields[label]]


STANDARD_COLUMNS: tuple[ExportColumn, ...] = (
    _field("id", "ID", "integer", "id", weight=0.6),
    _field("date", "Date", "date", "date", weight=1.0),
    ExportColumn("begin", "Begin", "time", ("begin", "timezone"), _local("begin"), weight=0.7),
    ExportColumn("end", "End", "time", ("end", "timezone"), _local("end"), weight=0.7),
    _field("duration", "Duration", "duration", "duration", weight=0.8),
    _field("break", "Break", "duration", "break_seconds", weight=0.7),
    ExportColumn("user", "User", "text", ("alias", "username"), _user_name, weight=1.3),
    _field("username", "Username", "text", "username", weight=1.3),
    _field("account_number", "Account number", "text", "account_number", weight=1.0),
    _field("customer", "Customer", "text", "customer_name", weight=1.5),
    _field("customer_number", "Customer number", "text", "customer_number", weight=1.0),
    _field("vat_id", "VAT ID", "text", "vat_id", weight=1.0),
    _field("project", "Project", "text", "project_name", weight=1.5),
    _field("project_number", "Project number", "text", "project_number", weight=1.0),
    _field("order_number", "Order number", "text", "order_number", weight=1.0),
    _field("activity", "Activity", "text", "activity_name", weight=1.3),
    _field("activity_number", "Activity number", "text", "activity_number", weight=1.0),
    _field("description", "Description", "text", "description", weight=4.0),
    ExportColumn("tags", "Tags", "text", ("tags",), _tags, weight=1.2),
    _field("hourly_rate", "Hourly rate", "money", "hourly_rate", needs_rates=True, weight=1.0),
    _field("fixed_rate", "Fixed rate", "money", "fixed_rate", needs_rates=True, weight=1.0),
    _field("rate", "Rate", "money", "rate", needs_rates=True, weight=1.1),
    _field("internal_rate", "Internal rate", "money", "internal_rate", needs_rates=True, weight=1.1),
    _field("currency", "Currency", "text", "currency", weight=0.4),
    ExportColumn("exported", "Exported", "bool", ("exported",), _flag("exported"), weight=0.6),
    ExportColumn("billable", "Billable", "bool", ("billable",), _flag("billable"), weight=0.6),
    _field("category", "Category", "text", "category", weight=0.7),
)
BY_KEY = {column.key: column for column in STANDARD_COLUMNS}
# Kimai's default export, in its order; meta columns follow.
DEFAULT_KEYS = (
    "date", "begin", "end", "duration", "user", "customer", "project", "activity", "description", "tags",
    "hourly_rate", "fixed_rate", "rate", "internal_rate", "currency", "exported", "billable",
)  # fmt: skip
META_PREFIX = "meta."


def meta_column(name: str, label: str | None, position: int) -> ExportColumn:
    return _field(f"{META_PREFIX}{name}", label or name, "text", f"meta_{position}", weight=1.2)


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
