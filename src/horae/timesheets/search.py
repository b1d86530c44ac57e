"""The list query of GET /api/timesheets: its typed filters, Kimai's search term and ordering."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, not_, or_

from horae.api.pagination import Page
from horae.meta.models import TimesheetMeta
from horae.timesheets.models import Timesheet


@dataclass
class TimesheetFilter:
    """The list filters of GET /api/timesheets, already parsed and typed."""

    user: str | None = None
    users: list[int] = field(default_factory=list)
    customers: list[int] = field(default_factory=list)
    projects: list[int] = field(default_factory=list)
    activities: list[int] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    begin: datetime | None = None
    end: datetime | None = None
    exported: bool | None = None
    active: bool | None = None
    billable: bool | None = None
    term: str | None = None
    modified_after: datetime | None = None
    order_by: str = "begin"
    descending: bool = True
    page: Page = field(default_factory=lambda: Page(1, 50))


def ordering(order_by: str, descending: bool) -> list[Any]:
    """Sort column plus id in the same direction; a running record's empty end sorts as MySQL
    does (first ascending, last descending) on every backend."""
    column = {"id": Timesheet.id, "begin": Timesheet.begin, "end": Timesheet.end, "rate": Timesheet.rate}[
        order_by
    ]
    if descending:
        keys = [Timesheet.end.is_(None)] if order_by == "end" else []
        return [*keys, column.desc(), Timesheet.id.desc()] if order_by != "id" else [Timesheet.id.desc()]
    keys = [Timesheet.end.is_not(None)] if order_by == "end" else []
    return [*keys, column.asc(), Timesheet.id.asc()] if order_by != "id" else [Timesheet.id.asc()]


def _like(value: str) -> str:
    escaped = value.lower().replace("/", "//").replace("%", "/%").replace("_", "/_")
    return f"%{escaped}%"


def term_conditions(term: str) -> list[Any]:
    """Kimai's search term: every word must occur in the description, `!word` must not,
    `name:value` searches a meta field (`*` any value, `~` missing, `""` empty or missing,
    `!x` not containing x)."""
    conditions: list[Any] = []
    for word in term.split():
        negated = word.startswith("!") and len(word) > 1
        body = word[1:] if negated else word
        name, separator, value = body.partition(":")
        if separator and name and value:
            condition = _meta_condition(name, value)
        else:
            condition = func.lower(Timesheet.description).like(_like(body), escape="/")
            if negated:
                conditions.append(or_(Timesheet.description.is_(None), not_(condition)))
                continue
        conditions.append(not_(condition) if negated else condition)
    return conditions


def _meta_condition(name: str, value: str) -> Any:
    def meta_exists(*extra: Any) -> Any:
        return exists().where(TimesheetMeta.timesheet_id == Timesheet.id, TimesheetMeta.name == name, *extra)

    filled = and_(TimesheetMeta.value.is_not(None), TimesheetMeta.value != "")
    if value == "*":
        return meta_exists(filled)
    if value == "~":
        return not_(meta_exists())
    if value in ('""', "''"):
        return not_(meta_exists(filled))
    if value.startswith("!") and len(value) > 1:
        return not_(meta_exists(func.lower(TimesheetMeta.value).like(_like(value[1:]), escape="/")))
    return meta_exists(func.lower(TimesheetMeta.value).like(_like(value), escape="/"))
