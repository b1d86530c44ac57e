"""The list query of GET /api/timesheets: its parameters, typed filters, Kimai's search term,
the SQL of the filters and the ordering.

One implementation for every timesheet list: the API list (timesheets/api.py, the service's
`search`), the exports (exports/query.py reads the same parameters, exports/filters.py applies
the same conditions) and the web pages.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import ColumnElement, and_, exists, false, func, not_, or_, select, true
from sqlalchemy.orm import Session

from horae.api.pagination import MAX_PAGE_SIZE, Page
from horae.api.wire import parse_strict_datetime
from horae.errors import BadRequest, Forbidden
from horae.meta.models import TimesheetMeta
from horae.search import LIKE_ESCAPE, like_pattern
from horae.security.permissions import Actor
from horae.tags.models import Tag
from horae.timesheets.models import Timesheet, timesheet_tags

DEFAULT_PAGE_SIZE = 50
TIMESHEETS = Timesheet.__table__


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


def term_conditions(term: str) -> list[Any]:
    """Kimai's search term: every word must occur in the description, `!word` must not,
    `name:value` searches a meta field (`*` any value, `~` missing, `""` empty or missing,
    `!x` not containing x)."""
    conditions: list[Any] = []
    for word in term.split():
        negated = word.startswith("!") and len(word) > 1
        body = word[1:] if negated else word
        name, separator, value = body.partition(":")
        if "\x00" in body:
            # No stored description, name or value holds one (PostgreSQL refuses it besides).
            conditions.append(true() if negated else false())
            continue
        if separator and name and value:
            condition = _meta_condition(name, value)
        else:
            condition = func.lower(Timesheet.description).like(like_pattern(body), escape=LIKE_ESCAPE)
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
        return not_(
            meta_exists(func.lower(TimesheetMeta.value).like(like_pattern(value[1:]), escape=LIKE_ESCAPE))
        )
    return meta_exists(func.lower(TimesheetMeta.value).like(like_pattern(value), escape=LIKE_ESCAPE))


# --- the query string -------------------------------------------------------------------------


class ListQuery:
    """The list's query parameters (Starlette's `multi_items()`, or pairs built by a caller)."""

    def __init__(self, items: Sequence[tuple[str, str]]) -> None:
        self.items = list(items)

    def scalar(self, name: str, pattern: str | None = None) -> str | None:
        found = [value for key, value in self.items if key == name]
        if not found:
            return None
        value = found[-1]
        if pattern is not None and not re.fullmatch(pattern, value, re.ASCII):
            raise BadRequest(f"invalid {name}")
        return value

    def array(self, name: str, pattern: str | None = None) -> list[str]:
        """A map parameter (`name[]=1&name[]=2` or `name[0]=1`); a bare `name=1` is refused."""
        values: list[str] = []
        for key, value in self.items:
            if key == name:
                raise BadRequest(f"{name} must be sent as {name}[]")
            if key.startswith(f"{name}[") and key.endswith("]"):
                if pattern is not None and not re.fullmatch(pattern, value, re.ASCII):
                    raise BadRequest(f"invalid {name}")
                values.append(value)
        return values

    def moment(self, name: str, timezone: str) -> datetime | None:
        value = self.scalar(name)
        if value is None:
            return None
        parsed = parse_strict_datetime(value, timezone)
        if parsed is None:
            raise BadRequest(f"{name} must look like YYYY-MM-DDTHH:MM:SS")
        return parsed

    def flag(self, name: str) -> bool | None:
        value = self.scalar(name, r"[01]")
        return None if value is None else value == "1"

    def ids(self, single: str, many: str) -> list[int]:
        values = self.array(many, r"\d+")
        one = self.scalar(single, r"\d+")
        if one is not None:
            values.append(one)
        # Ids are 32-bit in every backend: a longer number names no record and is dropped.
        return [int(value) for value in values if len(value) < 10]

    def page(self) -> Page:
        page = self.scalar("page", r"\d+")
        size = self.scalar("size", r"\d+")
        number = int(page) if page and int(page) > 0 else 1
        per_page = int(size) if size and int(size) > 0 else DEFAULT_PAGE_SIZE
        return Page(min(number, 10_000_000), min(per_page, MAX_PAGE_SIZE))


def parse_list_query(
    query: ListQuery, timezone: str, *, default_order: str = "DESC", paging: bool = True
) -> TimesheetFilter:
    """Every list parameter, validated as a whole before anything runs (a bad one is a 400).

    `begin`/`end` are local times in `timezone`; `paging=False` (exports) ignores page, size and
    full, which mean nothing there."""
    if any("\x00" in key or "\x00" in value for key, value in query.items):
        raise BadRequest("NUL in the query")
    user = query.scalar("user", r"\d+|all")
    users = [int(value) for value in query.array("users", r"\d+") if len(value) < 10]
    modified = query.moment("modified_after", "UTC")
    order_by = query.scalar("orderBy", r"id|begin|end|rate") or "begin"
    order = query.scalar("order", r"ASC|DESC") or default_order
    if paging:
        query.scalar("full", r"0|1|true|false")
    if user is not None and user != "all" and len(user) >= 10:
        user = None
    return TimesheetFilter(
        user=user,
        users=users,
        customers=query.ids("customer", "customers"),
        projects=query.ids("project", "projects"),
        activities=query.ids("activity", "activities"),
        tags=query.array("tags"),
        begin=query.moment("begin", timezone),
        end=query.moment("end", timezone),
        exported=query.flag("exported"),
        active=query.flag("active"),
        billable=query.flag("billable"),
        term=query.scalar("term") or None,
        modified_after=modified.astimezone(UTC) if modified else None,
        order_by=order_by,
        descending=order == "DESC",
        page=query.page() if paging else Page(1, DEFAULT_PAGE_SIZE),
    )


# --- the filters in SQL -----------------------------------------------------------------------


class RecordCriteria(Protocol):
    """The filters on a record's own columns, shared by TimesheetFilter and ExportFilter."""

    @property
    def begin(self) -> datetime | None: ...
    @property
    def end(self) -> datetime | None: ...
    @property
    def exported(self) -> bool | None: ...
    @property
    def billable(self) -> bool | None: ...
    @property
    def active(self) -> bool | None: ...
    @property
    def modified_after(self) -> datetime | None: ...


@dataclass(frozen=True, slots=True)
class RecordShape:
    """Which of the conditions on a record's own columns a filter sets: enough to build their
    SQL with the values left as parameters (`record_clauses`)."""

    begin: bool = False
    end: bool = False
    exported: bool | None = None
    billable: bool | None = None
    active: bool | None = None
    modified_after: bool = False


def record_shape(criteria: RecordCriteria) -> tuple[RecordShape, dict[str, Any]]:
    """The shape of the record conditions and the values of their parameters."""
    values = {
        "filter_begin": criteria.begin,
        "filter_end": criteria.end,
        "filter_modified_after": criteria.modified_after,
    }
    shape = RecordShape(
        begin=criteria.begin is not None,
        end=criteria.end is not None,
        exported=criteria.exported,
        billable=criteria.billable,
        active=criteria.active,
        modified_after=criteria.modified_after is not None,
    )
    return shape, {name: value for name, value in values.items() if value is not None}


def record_clauses(shape: RecordShape, value: Callable[[str], Any]) -> list[ColumnElement[bool]]:
    """`begin`/`end` (both compare with the record's begin, as in Kimai), `exported`,
    `billable`, `active` (running or stopped) and `modified_after`, over the timesheets table.
    `value(name)` gives what a comparison compares with: the value, or a bound parameter of
    that name for a statement built once and run with other values."""
    t = TIMESHEETS.c
    clauses: list[ColumnElement[bool]] = []
    if shape.begin:
        clauses.append(t.begin >= value("filter_begin"))
    if shape.end:
        clauses.append(t.begin <= value("filter_end"))
    if shape.exported is not None:
        clauses.append(t.exported == (true() if shape.exported else false()))
    if shape.billable is not None:
        clauses.append(t.billable == (true() if shape.billable else false()))
    if shape.active is not None:
        clauses.append(t.end.is_(None) if shape.active else t.end.is_not(None))
    if shape.modified_after:
        clauses.append(t.modified_at >= value("filter_modified_after"))
    return clauses


def record_conditions(criteria: RecordCriteria) -> list[ColumnElement[bool]]:
    """The record conditions with their values in them, for a statement built per request."""
    shape, values = record_shape(criteria)
    return record_clauses(shape, values.__getitem__)


def visible_tag_ids(session: Session, names: Iterable[str]) -> list[int]:
    """The visible tags of these names (case-insensitive); none of them existing is a 400."""
    lowered = sorted({name.strip().lower() for name in names})
    found = session.scalars(
        select(Tag.id).where(func.lower(Tag.name).in_(lowered), Tag.visible.is_(True))
    ).all()
    if not found:
        raise BadRequest("none of the tags exists")
    return sorted(found)


def tagged_with(tag_ids: Any) -> ColumnElement[bool]:
    """Records carrying any of these tags: a list of ids, or an expanding bound parameter."""
    t = TIMESHEETS.c
    return exists(
        select(timesheet_tags.c.timesheet_id).where(
            timesheet_tags.c.timesheet_id == t.id, timesheet_tags.c.tag_id.in_(tag_ids)
        )
    )


def accessible_ids(
    session: Session, actor: Actor, model: Any, ids: Iterable[int], may_access: Callable[[Actor, Any], bool]
) -> list[int]:
    """The ids of a customer, project or activity filter: unknown ids are dropped, an
    inaccessible one is a 403."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    found: Sequence[Any] = session.scalars(select(model).where(model.id.in_(wanted))).all()
    for entity in found:
        if not may_access(actor, entity):
            raise Forbidden(f"no access to {model.__name__.lower()} {entity.id}")
    return [entity.id for entity in found]
