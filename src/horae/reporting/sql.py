"""SQL building blocks of the reports: metric sums, local-date keys and portable grouping sets.

Every report runs one aggregate statement: a CTE groups the stopped entries at the report's
finest grain, and a UNION ALL re-aggregates that CTE at each coarser level the report shows
(row totals, column totals, the grand total). That is GROUPING SETS written so that SQLite,
PostgreSQL and MariaDB all accept it, and it keeps every total in the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CTE,
    Integer,
    Numeric,
    case,
    cast,
    extract,
    func,
    literal_column,
    null,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.selectable import CompoundSelect

from horae.timesheets.models import Timesheet

TIMESHEETS = Timesheet.__table__
MONEY = Numeric(18, 4)
METRICS = ("duration", "billable_duration", "rate", "billable_rate", "internal_rate")
MONEY_METRICS = frozenset({"rate", "billable_rate", "internal_rate"})


class iso_weekday(FunctionElement[int]):
    """The ISO weekday of a date column: Monday 1 … Sunday 7, on every backend."""

    type = Integer()
    name = "iso_weekday"
    inherit_cache = True


@compiles(iso_weekday)
def _iso_weekday_sqlite(element: iso_weekday, compiler: Any, **kw: Any) -> str:
    (arg,) = element.clauses
    # strftime('%w') counts from Sunday = 0.
    return f"((CAST(strftime('%w', {compiler.process(arg, **kw)}) AS INTEGER) + 6) % 7 + 1)"


@compiles(iso_weekday, "postgresql")
def _iso_weekday_postgresql(element: iso_weekday, compiler: Any, **kw: Any) -> str:
    (arg,) = element.clauses
    return f"CAST(EXTRACT(ISODOW FROM {compiler.process(arg, **kw)}) AS INTEGER)"


@compiles(iso_weekday, "mysql")
@compiles(iso_weekday, "mariadb")
def _iso_weekday_mysql(element: iso_weekday, compiler: Any, **kw: Any) -> str:
    (arg,) = element.clauses
    # WEEKDAY() counts from Monday = 0.
    return f"(WEEKDAY({compiler.process(arg, **kw)}) + 1)"


def year_month(column: ColumnElement[Any]) -> ColumnElement[int]:
    """A date as one yyyymm number (202403), so that months group and sort as one key."""
    # An inline 100 (not a bound parameter) keeps the expression identical in SELECT and GROUP BY.
    hundred = literal_column("100", Integer)
    return cast(extract("year", column) * hundred + extract("month", column), Integer)


def metric_sums() -> list[ColumnElement[Any]]:
    """The sums every report cell carries, over the timesheets table, labelled as in METRICS."""
    t = TIMESHEETS.c
    billable = t.billable == true()
    return [
        func.sum(t.duration).label("duration"),
        func.sum(case((billable, t.duration), else_=0)).label("billable_duration"),
        func.sum(t.rate, type_=MONEY).label("rate"),
        func.sum(case((billable, t.rate), else_=0), type_=MONEY).label("billable_rate"),
        func.sum(t.internal_rate, type_=MONEY).label("internal_rate"),
    ]


@dataclass
class Totals:
    """The sums of one report cell; money is None when the viewer may not see rates."""

    duration: int = 0
    billable_duration: int = 0
    rate: Decimal | None = Decimal(0)
    billable_rate: Decimal | None = Decimal(0)
    internal_rate: Decimal | None = Decimal(0)

    @classmethod
    def zero(cls, show_rates: bool = True) -> Totals:
        return cls() if show_rates else cls(rate=None, billable_rate=None, internal_rate=None)

    @classmethod
    def from_row(cls, row: Any, show_rates: bool = True) -> Totals:
        def money(name: str) -> Decimal | None:
            if not show_rates:
                return None
            value = getattr(row, name)
            return Decimal(0) if value is None else Decimal(value).quantize(Decimal("0.0001"))

        return cls(
            duration=int(row.duration or 0),
            billable_duration=int(row.billable_duration or 0),
            rate=money("rate"),
            billable_rate=money("billable_rate"),
            internal_rate=money("internal_rate"),
        )


@dataclass(frozen=True)
class GroupingSets:
    """The levels a report re-aggregates its grain CTE at; each level is a tuple of key names."""

    keys: tuple[str, ...]
    levels: tuple[tuple[str, ...], ...]
    metrics: tuple[str, ...] = field(default=METRICS)

    def select(self, grain: CTE) -> CompoundSelect:
        """One UNION ALL over the levels; each row starts with its level's index ("level")."""
        parts = []
        for index, level in enumerate(self.levels):
            unknown = set(level) - set(self.keys)
            if unknown:
                raise ValueError(f"unknown grouping keys {sorted(unknown)}")
            columns: list[ColumnElement[Any]] = [literal_column(str(index), Integer).label("level")]
            # Typed NULLs, so that every backend agrees on the union's column types.
            columns += [
                grain.c[key] if key in level else cast(null(), grain.c[key].type).label(key)
                for key in self.keys
            ]
            columns += [
                func.sum(grain.c[name], type_=grain.c[name].type).label(name) for name in self.metrics
            ]
            part = select(*columns)
            if level:
                part = part.group_by(*(grain.c[key] for key in level))
            parts.append(part)
        return union_all(*parts)

    def split(self, rows: Sequence[Any]) -> dict[tuple[str, ...], list[Any]]:
        """The union's rows sorted by level; a level with no rows maps to an empty list."""
        result: dict[tuple[str, ...], list[Any]] = {level: [] for level in self.levels}
        for row in rows:
            result[self.levels[row.level]].append(row)
        return result
