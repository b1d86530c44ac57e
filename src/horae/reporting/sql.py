"""SQL building blocks of the reports: metric sums, local-date keys and portable grouping sets.

Every report runs one aggregate statement: a CTE groups the stopped entries at the report's
finest grain, and a UNION ALL re-aggregates that CTE at each coarser level the report shows
(row totals, column totals, the grand total). That is GROUPING SETS written so that SQLite,
PostgreSQL and MariaDB all accept it, and it keeps every total in the database.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import repeat
from typing import Any

from sqlalchemy import (
    CTE,
    Date,
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
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.selectable import CompoundSelect
from sqlalchemy.types import TypeEngine

from horae.timesheets.models import Timesheet

TIMESHEETS = Timesheet.__table__
MONEY = Numeric(18, 4)
METRICS = ("duration", "billable_duration", "rate", "billable_rate", "internal_rate")


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


_FOUR_PLACES = Decimal("0.0001")


def money_sum(value: Any) -> Decimal:
    """A money sum as the reports show it, to four decimal places (0 when nothing was booked).

    The driver hands a float or an int (SQLite) or a Decimal (PostgreSQL, MariaDB); a float is
    read at its exact binary value, so the rounding is the one of formatting it with ":.4f".
    """
    return Decimal(0) if value is None else Decimal(value).quantize(_FOUR_PLACES)


def money_number(value: Any, missing: float | None = None) -> float | None:
    """A money sum (as `Totals` keeps it) as a JSON number: the float of `money_sum(value)`, or
    `missing` for None (a hidden sum; a cell's JSON passes 0.0 for a sum nothing was booked on).
    A float is rounded without a Decimal, as thousands of cells need, and is tested first."""
    kind = type(value)
    if kind is float:
        # value * 10⁴ is off the exact product by less than 0.002 below 10¹³, so an integer that
        # lies more than 0.49 from a tie is the one Decimal's half-even quantization picks, and
        # dividing it by 10⁴ gives the float nearest to that quantized Decimal. Near a tie, at 0
        # (which keeps its sign) or for larger sums, the ":.4f" digits are that Decimal's digits.
        scaled = value * 10000.0
        whole = round(scaled)
        if whole and -1e13 < scaled < 1e13 and -0.49 < scaled - whole < 0.49:
            return whole / 10000.0
        return float(f"{value:.4f}")
    if value is None:
        return missing
    if kind is int:
        return float(value)
    return float(Decimal(value).quantize(_FOUR_PLACES))


class Totals:
    """The sums of one report cell; money is None when the viewer may not see rates.

    Money is kept as summed (a float or an int from SQLite, a Decimal from the other backends, or
    a Decimal given here) and read as a Decimal to four places: `rate`, `billable_rate` and
    `internal_rate`. `money_numbers()` gives the JSON numbers without making Decimals; a report
    has thousands of cells, and its JSON variant needs none.
    """

    __slots__ = ("_billable_rate", "_internal_rate", "_rate", "billable_duration", "duration")

    def __init__(
        self,
        duration: int = 0,
        billable_duration: int = 0,
        rate: Decimal | float | None = 0,
        billable_rate: Decimal | float | None = 0,
        internal_rate: Decimal | float | None = 0,
    ) -> None:
        self.duration = duration
        self.billable_duration = billable_duration
        self._rate = rate
        self._billable_rate = billable_rate
        self._internal_rate = internal_rate

    @classmethod
    def zero(cls, show_rates: bool = True) -> Totals:
        return cls() if show_rates else cls(rate=None, billable_rate=None, internal_rate=None)

    @classmethod
    def of(
        cls,
        duration: Any,
        billable_duration: Any,
        rate: Any,
        billable_rate: Any,
        internal_rate: Any,
        show_rates: bool,
    ) -> Totals:
        """From the driver's sums (None where nothing was summed)."""
        if not show_rates:
            return cls(int(duration or 0), int(billable_duration or 0), None, None, None)
        return cls(
            int(duration or 0),
            int(billable_duration or 0),
            0 if rate is None else rate,
            0 if billable_rate is None else billable_rate,
            0 if internal_rate is None else internal_rate,
        )

    @classmethod
    def of_sums(cls, sums: tuple[Any, ...], show_rates: bool) -> Totals:
        """From the driver's sums of METRICS as one tuple."""
        duration, billable_duration, rate, billable_rate, internal_rate = sums
        return cls.of(duration, billable_duration, rate, billable_rate, internal_rate, show_rates)

    @property
    def rate(self) -> Decimal | None:
        return None if self._rate is None else money_sum(self._rate)

    @property
    def billable_rate(self) -> Decimal | None:
        return None if self._billable_rate is None else money_sum(self._billable_rate)

    @property
    def internal_rate(self) -> Decimal | None:
        return None if self._internal_rate is None else money_sum(self._internal_rate)

    def money_numbers(self) -> tuple[float | None, float | None, float | None]:
        """rate, billable rate and internal rate as JSON numbers (None when hidden)."""
        return money_number(self._rate), money_number(self._billable_rate), money_number(self._internal_rate)

    def _figures(self) -> tuple[Any, ...]:
        return self.duration, self.billable_duration, self.rate, self.billable_rate, self.internal_rate

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Totals) and self._figures() == other._figures()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        names = ("duration", "billable_duration", "rate", "billable_rate", "internal_rate")
        figures = ", ".join(f"{name}={value!r}" for name, value in zip(names, self._figures(), strict=True))
        return f"Totals({figures})"


class _KeyReader(dict[Any, Any]):
    """A grouping key's values as the driver hands them → one Python type on every backend; each
    distinct value is converted once (a report has thousands of rows but few distinct keys)."""

    def __init__(self, kind: TypeEngine[Any]) -> None:
        super().__init__()
        self.date = isinstance(kind, Date)
        self.integer = isinstance(kind, Integer)

    def __missing__(self, raw: Any) -> Any:
        value = raw
        if raw is not None:
            if self.date and not isinstance(raw, date):
                value = date.fromisoformat(raw)  # SQLite hands the stored text
            elif self.integer and type(raw) is not int:
                value = int(raw)  # yyyymm may arrive as Decimal or str, depending on the backend
        self[raw] = value
        return value


@dataclass(frozen=True)
class GroupingSets:
    """The levels a report re-aggregates its grain CTE at; each level is a tuple of key names.

    The grain groups the entries by exactly `keys` and sums METRICS under their names.
    """

    keys: tuple[str, ...]
    levels: tuple[tuple[str, ...], ...]

    def select(self, grain: CTE) -> CompoundSelect:
        """One UNION ALL over the levels; each row is its level's index, the keys (NULL where the
        level does not group by them), then the sums of METRICS."""
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
            if set(level) == set(self.keys):
                # The grain's own rows: it is grouped by every key already.
                part = select(*columns, *(grain.c[name] for name in METRICS))
            else:
                sums = [func.sum(grain.c[name], type_=grain.c[name].type).label(name) for name in METRICS]
                part = select(*columns, *sums)
                if level:
                    part = part.group_by(*(grain.c[key] for key in level))
            parts.append(part)
        return union_all(*parts)

    def read(self, session: Session, grain: CTE, show_rates: bool) -> list[list[tuple[Any, ...]]]:
        """Runs the union; per level (in the order of `levels`) its rows as (*keys, Totals).

        Keys the level does not group by are None; a level with no rows is an empty list.
        """
        # The driver's own rows: for thousands of cells, SQLAlchemy's rows and result conversions
        # (a Decimal per sum, a date per key on SQLite) cost as much as a third of the statement.
        with closing(session.connection().execute(self.select(grain))) as executed:
            rows = executed.cursor.fetchall()
        result: list[list[tuple[Any, ...]]] = [[] for _ in self.levels]
        if not rows:
            return result
        width = len(self.keys)
        # Column by column: the keys through their readers, the sums into Totals.
        columns = list(zip(*rows, strict=True))
        keys = [
            map(_KeyReader(grain.c[name].type).__getitem__, column)
            for name, column in zip(self.keys, columns[1 : width + 1], strict=True)
        ]
        totals = map(Totals.of, *columns[width + 1 :], repeat(show_rates))
        for level, item in zip(columns[0], zip(*keys, totals, strict=True), strict=True):
            result[level].append(item)
        return result

    def read_sums(
        self, session: Session, grain: CTE, statement: CompoundSelect, parameters: dict[str, Any]
    ) -> list[list[tuple[Any, ...]]]:
        """Runs `statement` (this union over `grain`, built once by the caller) with `parameters`;
        per level its rows as (*keys, sums): the driver's sums of METRICS as one tuple, for
        `Sums` to read (a report with thousands of cells makes no `Totals` it does not show)."""
        with closing(session.connection().execute(statement, parameters)) as executed:
            rows = executed.cursor.fetchall()
        result: list[list[tuple[Any, ...]]] = [[] for _ in self.levels]
        width = len(self.keys)
        readers = [_KeyReader(grain.c[name].type).__getitem__ for name in self.keys]
        appends = [level.append for level in result]
        # Row by row, each key through its reader and the sums sliced off as they come.
        if width == 2:
            first, second = readers
            for row in rows:
                appends[row[0]]((first(row[1]), second(row[2]), row[3:]))
        else:
            for row in rows:
                keys = tuple(read(key) for read, key in zip(readers, row[1 : width + 1], strict=True))
                appends[row[0]]((*keys, row[width + 1 :]))
        return result


class Sums(Mapping[Any, Totals]):
    """Report cells by key, kept as the driver's sums of METRICS: a `Totals` is made only when a
    cell is read. The JSON variant reads `raw` itself."""

    __slots__ = ("raw", "show_rates")

    def __init__(self, show_rates: bool, raw: dict[Any, tuple[Any, ...]] | None = None) -> None:
        self.show_rates = show_rates
        self.raw: dict[Any, tuple[Any, ...]] = {} if raw is None else raw

    def __getitem__(self, key: Any) -> Totals:
        return Totals.of_sums(self.raw[key], self.show_rates)

    def get(self, key: Any, default: Any = None) -> Any:
        sums = self.raw.get(key)
        return default if sums is None else Totals.of_sums(sums, self.show_rates)

    def __contains__(self, key: object) -> bool:
        return key in self.raw

    def __iter__(self) -> Iterator[Any]:
        return iter(self.raw)

    def __len__(self) -> int:
        return len(self.raw)

    def __repr__(self) -> str:
        return f"Sums({dict(self)!r})"
