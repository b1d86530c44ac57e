"""What every writer gets: the document's columns and texts, the records in batches, and running
totals."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from horae.exports.columns import ExportColumn
from horae.exports.formatting import Formatter, format_duration

# One exported record: its values in column order, and the currency its money is in.
Record = tuple[list[Any], str | None]
NUMERIC_KINDS = frozenset({"duration", "money", "integer"})


@dataclass(frozen=True)
class Batch:
    """Consecutive exported records, column by column: `columns[i]` holds the values of column i
    for every record, in order; `currencies` the currency each record's money is in."""

    columns: list[Sequence[Any]]
    currencies: Sequence[str | None]

    def __len__(self) -> int:
        return len(self.currencies)

    def records(self) -> Iterator[Record]:
        """The batch record by record."""
        rows = zip(*self.columns, strict=True) if self.columns else [()] * len(self)
        for values, currency in zip(rows, self.currencies, strict=True):
            yield list(values), currency


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
    def __call__(self, document: Document, batches: Iterable[Batch]) -> Iterator[bytes]: ...


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


def rows_of_texts(document: Document, batch: Batch) -> Iterator[tuple[str, ...]]:
    """The cell texts of a batch, record by record."""
    texts = column_texts(document, batch)
    return zip(*texts, strict=True) if texts else iter([()] * len(batch))


def column_texts(document: Document, batch: Batch) -> list[list[str]]:
    """The cell texts of a batch, column by column: what `cell_texts` gives for each record."""
    formatter = document.formatter
    return [
        formatter.column(column.kind, values, batch.currencies)
        for column, values in zip(document.columns, batch.columns, strict=True)
    ]
