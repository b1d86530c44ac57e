"""What every writer gets: the document's columns and texts, and running totals."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from horae.exports.columns import ExportColumn
from horae.exports.formatting import Formatter, format_duration

# One exported record: its values in column order, and the currency its money is in.
Record = tuple[list[Any], str | None]
NUMERIC_KINDS = frozenset({"duration", "money", "integer"})


@dataclass
class Document:
    columns: list[ExportColumn]
    formatter: Formatter
    title: str
    # Lines describing the export (period, filters), shown under the title where a format has one.
    notes: list[str] = field(default_factory=list)
    generated_at: datetime | None = None

    @property
    def language(self) -> str:
        return self.formatter.locale.language


class Writer(Protocol):
    def __call__(self, document: Document, records: Iterable[Record]) -> Iterator[bytes]: ...


class RunningTotals:
    """Sums of the duration and money columns, kept while rows stream past (money per currency)."""

    def __init__(self, columns: list[ExportColumn]) -> None:
        self.positions = [i for i, c in enumerate(columns) if c.kind in ("duration", "money")]
        self.kinds = [c.kind for c in columns]
        self.durations: dict[int, int] = {i: 0 for i in self.positions if self.kinds[i] == "duration"}
        self.money: dict[int, dict[str, Decimal]] = {
            i: {} for i in self.positions if self.kinds[i] == "money"
        }
        self.count = 0

    def add(self, values: list[Any], currency: str | None) -> None:
        self.count += 1
        for i in self.positions:
            value = values[i]
            if value is None:
                continue
            if i in self.durations:
                self.durations[i] += int(value)
            else:
                sums = self.money[i]
                key = currency or ""
                sums[key] = sums.get(key, Decimal(0)) + Decimal(value)

    def texts(self, formatter: Formatter) -> list[str]:
        """The totals row as cell texts; money in several currencies is listed per currency."""
        result = [""] * len(self.kinds)
        for i, seconds in self.durations.items():
            result[i] = format_duration(seconds)
        for i, sums in self.money.items():
            result[i] = " / ".join(
                formatter.money(amount, currency or None) for currency, amount in sorted(sums.items())
            )
        return result


def cell_texts(document: Document, values: list[Any], currency: str | None) -> list[str]:
    formatter = document.formatter
    return [
        formatter.cell(column.kind, value, currency)
        for column, value in zip(document.columns, values, strict=True)
    ]
