"""The writers against the plain cell-by-cell way of writing the same records.

The CSV, HTML and PDF writers format a batch column by column, reusing texts already made; they
must write what formatting each cell on its own (`cell_texts`) gives. Records come in several
batches and hold what makes formatting differ: missing values, zero and negative zero amounts,
several currencies, equal instants in different timezones, text a spreadsheet would run.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from horae.exports.columns import STANDARD_COLUMNS, meta_column
from horae.exports.formatting import Formatter
from horae.exports.writers.base import Batch, Document, cell_texts
from horae.exports.writers.csv_writer import FORMULA_STARTS, write_csv

BERLIN, KOLKATA, NEW_YORK = ZoneInfo("Europe/Berlin"), ZoneInfo("Asia/Kolkata"), ZoneInfo("America/New_York")


def document(locale: str = "en") -> Document:
    columns = [*STANDARD_COLUMNS, meta_column("ticket", "Ticket", 0)]
    return Document(columns=columns, formatter=Formatter(locale), title="Timesheets")


def record(n: int, **values: Any) -> tuple[dict[str, Any], str | None]:
    instant = datetime(2024, 3, 31, 6, 5 * (n % 12), tzinfo=UTC)
    row: dict[str, Any] = {
        "id": n,
        "date": date(2024, 3, 31),
        "begin": instant.astimezone(BERLIN),
        "end": instant.replace(hour=8).astimezone(BERLIN),
        "duration": 7200 + 60 * n,
        "break": 0,
        "user": "Anna Sato",
        "username": "anna",
        "account_number": None,
        "customer": "Orion Analytics BV",
        "customer_number": "C-1",
        "vat_id": None,
        "project": "Accessibility review",
        "project_number": "P-7",
        "order_number": None,
        "activity": "Prototyping",
        "activity_number": None,
        "description": f"Refined the backlog (#{n})",
        "tags": "critical, weekly",
        "hourly_rate": Decimal("55"),
        "fixed_rate": None,
        "rate": Decimal("110.9167"),
        "internal_rate": Decimal("30.5"),
        "currency": "EUR",
        "exported": False,
        "billable": True,
        "category": "work",
        "meta.ticket": None,
    }
    currency = values.pop("record_currency", "EUR")
    row.update(values)
    return row, currency


RECORDS = [
    # Missing values first: formats and styles are met in a different order than the columns.
    record(1, date=None, begin=None, end=None, hourly_rate=None, rate=None, internal_rate=None, duration=0),
    record(2, rate=Decimal("0"), internal_rate=Decimal("-0"), fixed_rate=Decimal("-1234.5")),
    record(3, rate=Decimal("-0"), internal_rate=Decimal("0"), record_currency="USD", currency="USD"),
    record(4, description="=SUM(A1:A2)\nsecond line", user="+49 30 1234", tags="", category="-"),
    record(5, description='Quote " comma, <b>bold</b> & Grüße € ', customer="  "),
    record(6, description="#N/A", project="@home", activity="\tindented", vat_id="\rreturn"),
    record(7, description="", username="", account_number="=", order_number=" padded "),
    # The same instant as record 2, read in other timezones: other wall clocks.
    record(2, begin=datetime(2024, 3, 31, 6, 10, tzinfo=UTC).astimezone(KOLKATA), record_currency="JPY"),
    record(2, begin=datetime(2024, 3, 31, 6, 10, tzinfo=UTC).astimezone(NEW_YORK), record_currency=None),
    record(8, date=date(1900, 2, 28), duration=-5400, hourly_rate=Decimal("0.005"), rate=Decimal("1e6")),
    record(9, description="x" * 40_000, exported=True, billable=False, **{"meta.ticket": "T-9"}),
    record(10, currency=None, record_currency="KWD", rate=Decimal("12.3456")),
]


def batches(doc: Document, records: list[tuple[dict[str, Any], str | None]], size: int = 5) -> list[Batch]:
    keys = [column.key for column in doc.columns]
    return [
        Batch(
            [[row[key] for row, _ in records[start : start + size]] for key in keys],
            [currency for _, currency in records[start : start + size]],
        )
        for start in range(0, len(records), size)
    ]


def csv_cell_by_cell(doc: Document, records: list[tuple[dict[str, Any], str | None]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([column.label for column in doc.columns])
    for row, currency in records:
        cells = cell_texts(doc, [row[column.key] for column in doc.columns], currency)
        writer.writerow(
            "'" + text if column.kind == "text" and text.startswith(FORMULA_STARTS) else text
            for column, text in zip(doc.columns, cells, strict=True)
        )
    return buffer.getvalue().encode("utf-8")


@pytest.mark.parametrize("locale", ["en", "de", "fr_CH", "ar", "hi"])
def test_csv_writes_what_cell_by_cell_formatting_writes(locale: str) -> None:
    written = b"".join(write_csv(document(locale), batches(document(locale), RECORDS)))

    assert written == csv_cell_by_cell(document(locale), RECORDS)
