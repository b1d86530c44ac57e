"""The exported rows: one Core select over timesheets with their user, project, customer,
activity, tags and meta fields, read through a server-side cursor in batches.

On PostgreSQL `stream_results` opens a named (server-side) cursor, on MariaDB an unbuffered
SSCursor; SQLite's cursor is lazy anyway. Memory therefore holds one batch, whatever the count.
Batches are handed on column by column (`Fields`), so that writers format a column's values in
one pass instead of one call per cell.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Generator, Sequence
from typing import Any

from sqlalchemy import Column, Connection, DateTime, Integer, MetaData, Table, func, select, type_coerce
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Select
from sqlalchemy.types import NullType

from horae.exports.columns import TAG_SEPARATOR, Fields
from horae.exports.filters import (
    ACTIVITIES,
    CUSTOMERS,
    PROJECTS,
    TIMESHEETS,
    ExportFilter,
    apply_filter,
    ordering,
    visible_rows,
)
from horae.meta.models import TimesheetMeta
from horae.security.permissions import Actor
from horae.tags.models import Tag
from horae.timesheets.models import timesheet_tags
from horae.users.models import User

USERS = User.__table__
TAGS = Tag.__table__
TIMESHEET_META = TimesheetMeta.__table__
BATCH_SIZE = 1000


def _joined() -> Any:
    t, p = TIMESHEETS.c, PROJECTS.c
    return (
        TIMESHEETS.join(USERS, USERS.c.id == t.user_id)
        .join(PROJECTS, p.id == t.project_id)
        .join(CUSTOMERS, CUSTOMERS.c.id == p.customer_id)
        .join(ACTIVITIES, ACTIVITIES.c.id == t.activity_id)
    )


def matching_ids(actor: Actor, criteria: ExportFilter, other_permission: str) -> Select[Any]:
    """The ids of the rows an export covers (used to pin them before marking them exported)."""
    statement = (
        select(TIMESHEETS.c.id).select_from(_joined()).where(visible_rows(actor, criteria, other_permission))
    )
    return apply_filter(statement, criteria)


def count_rows(actor: Actor, criteria: ExportFilter, other_permission: str) -> Select[Any]:
    return select(func.count()).select_from(matching_ids(actor, criteria, other_permission).subquery())


def export_rows(
    actor: Actor,
    criteria: ExportFilter,
    other_permission: str,
    meta_names: Sequence[str],
    pinned: Table | None = None,
    fields: Collection[str] | None = None,
) -> Select[Any]:
    """The select of every exported row, in the filter's order.

    With `pinned` (a table of ids, see `id_table`), the rows are exactly those ids; the filter
    and visibility were applied when the ids were collected. With `fields`, the select holds
    only the columns of those labels (the export's columns read no others): a quarter's rows
    are then read a fifth faster, and the tags' and custom fields' subqueries run only for
    the columns that show them.
    """
    t, u, p, c, a = TIMESHEETS.c, USERS.c, PROJECTS.c, CUSTOMERS.c, ACTIVITIES.c
    tags = (
        select(func.aggregate_strings(TAGS.c.name, TAG_SEPARATOR))
        .select_from(timesheet_tags.join(TAGS, TAGS.c.id == timesheet_tags.c.tag_id))
        .where(timesheet_tags.c.timesheet_id == t.id)
        .scalar_subquery()
    )
    metas = [
        select(TIMESHEET_META.c.value)
        .where(TIMESHEET_META.c.timesheet_id == t.id, TIMESHEET_META.c.name == name)
        .scalar_subquery()
        .label(f"meta_{position}")
        for position, name in enumerate(meta_names)
    ]
    # Instants are read as the naive UTC they are stored as; `columns` places them in the record's
    # timezone (one conversion per value, instead of UTCDateTime's call and then that conversion).
    begin, end = type_coerce(t.begin, DateTime).label("begin"), type_coerce(t.end, DateTime).label("end")
    selected = [
        t.id, t.date, begin, end, t.timezone, t.duration, t["break"].label("break_seconds"),
        t.description, t.rate, t.internal_rate, t.hourly_rate, t.fixed_rate, t.exported, t.billable,
        t.category,
        t.user_id, u.username, u.alias, u.account_number,
        c.name.label("customer_name"), c.number.label("customer_number"), c.currency, c.vat_id,
        p.name.label("project_name"), p.number.label("project_number"), p.order_number,
        a.name.label("activity_name"), a.number.label("activity_number"),
        tags.label("tags"),
        *metas,
    ]  # fmt: skip
    if fields is not None:
        selected = [column for column in selected if column.key in fields]
    statement: Select[Any] = select(*selected)
    if pinned is not None:
        statement = statement.select_from(_joined().join(pinned, pinned.c.id == t.id))
    else:
        statement = apply_filter(
            statement.select_from(_joined()).where(visible_rows(actor, criteria, other_permission)), criteria
        )
    return statement.order_by(*ordering(criteria))


def id_table(name: str) -> Table:
    """A temporary table holding the ids of one export, private to its connection."""
    return Table(name, MetaData(), Column("id", Integer, primary_key=True), prefixes=["TEMPORARY"])


def stream(
    connection: Connection, statement: Select[Any], batch_size: int = BATCH_SIZE
) -> Generator[Fields, None, None]:
    """The statement's rows from a server-side cursor, fetched `batch_size` at a time and handed
    on as one `Fields` per batch (each label to its values in row order)."""
    dialect = connection.dialect
    if dialect.name in ("mysql", "mariadb"):
        # GROUP_CONCAT stops at 1024 bytes by default; a record's tags may need more.
        connection.exec_driver_sql("SET SESSION group_concat_max_len = 1048576")
    conversions: list[Any] = []
    if dialect.name == "sqlite":
        statement, conversions = _unconverted(statement, dialect)
    result = connection.execute(statement.execution_options(stream_results=True, yield_per=batch_size))
    labels = list(result.keys())
    try:
        for partition in result.partitions():
            if not partition:
                continue
            columns: list[Sequence[Any]] = list(zip(*partition, strict=True))
            for position, convert in conversions:
                columns[position] = _converted(columns[position], convert)
            yield dict(zip(labels, columns, strict=True))
    finally:
        result.close()


def _unconverted(statement: Select[Any], dialect: Dialect) -> tuple[Select[Any], list[Any]]:
    """The statement with its columns read as the driver gives them, and the conversions its
    column types would have applied (position, function).

    SQLite's driver answers dates, instants and decimals as text and numbers, which SQLAlchemy
    converts value by value while it builds each row. A batch repeats few distinct dates and
    rates, so `stream` converts each column once per distinct value instead.
    """
    selected = list(statement.selected_columns)
    conversions = []
    for position, column in enumerate(selected):
        convert = column.type.dialect_impl(dialect).result_processor(dialect, None)
        if convert is not None:
            conversions.append((position, convert))
    plain: list[Any] = [type_coerce(column, NullType()).label(column.key) for column in selected]
    return statement.with_only_columns(*plain, maintain_column_froms=True), conversions


def _converted(values: Sequence[Any], convert: Callable[[Any], Any]) -> list[Any]:
    known = {value: convert(value) for value in set(values)}
    return [known[value] for value in values]
