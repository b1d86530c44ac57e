"""The writers against the plain cell-by-cell way of writing the same records.

The CSV, HTML and PDF writers format a batch column by column, reusing texts already made; they
must write what formatting each cell on its own (`cell_texts`) gives. The XLSX writer writes the
rows' XML itself; its workbook must hold exactly what openpyxl writes from a cell per value.
Records come in several
batches and hold what makes formatting differ: missing values, zero and negative zero amounts,
several currencies, equal instants in different timezones, text a spreadsheet would run.
"""

from __future__ import annotations

import csv
import gc
import io
import tempfile
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import IllegalCharacterError

from horae.exports.columns import STANDARD_COLUMNS, meta_column
from horae.exports.formatting import Formatter
from horae.exports.writers.base import Batch, Document, cell_texts
from horae.exports.writers.csv_writer import FORMULA_STARTS, _defused, csv_lines, write_csv
from horae.exports.writers.xlsx_writer import FORMATS, WIDTHS, write_xlsx

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


def xlsx_cell_by_cell(doc: Document, records: list[tuple[dict[str, Any], str | None]]) -> bytes:
    """The workbook as openpyxl writes it from a cell object per value (write-only mode)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Timesheets")
    for position, column in enumerate(doc.columns, start=1):
        width = WIDTHS.get(column.kind, 40 if column.key == "description" else 18)
        sheet.column_dimensions[get_column_letter(position)].width = width
    sheet.freeze_panes = "A2"
    header = []
    for column in doc.columns:
        cell = WriteOnlyCell(sheet, value=column.label)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for values, _currency in records:
        row: list[Any] = []
        for column in doc.columns:
            value = values[column.key]
            if value is not None and column.kind == "time":
                value = value.replace(tzinfo=None)
            elif value is not None and column.kind == "duration":
                value = int(value) / 86400
            if column.kind in FORMATS and value is not None:
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = FORMATS[column.kind]
                row.append(cell)
            elif column.kind == "text" and isinstance(value, str) and value.startswith("="):
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"
                row.append(cell)
            else:
                row.append(value)
        sheet.append(row)
    target = io.BytesIO()
    workbook.save(target)
    return target.getvalue()


def parts(data: bytes) -> Iterator[tuple[str, bytes, tuple[Any, ...]]]:
    """Each part of a workbook: name, content and how it is stored (its creation time aside)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            stored = (info.compress_type, info.external_attr, info.create_system, info.extract_version)
            content = archive.read(info)
            if info.filename == "docProps/core.xml":
                content = content.split(b"<dcterms:created")[0]
            yield info.filename, content, stored


@pytest.mark.parametrize("size", [1, 5, 100])
def test_xlsx_holds_what_openpyxl_writes_cell_by_cell(size: int) -> None:
    doc = document()
    written = b"".join(write_xlsx(doc, batches(doc, RECORDS, size)))

    assert list(parts(written)) == list(parts(xlsx_cell_by_cell(document(), RECORDS)))


def test_xlsx_styles_follow_the_order_values_first_appear_in() -> None:
    doc = document()
    # A money value before any date or time, then a date alone, then a time.
    records = [
        record(1, date=None, begin=None, end=None, duration=None, hourly_rate=None, internal_rate=None),
        record(2, begin=None, end=None, duration=None),
        record(3),
    ]

    written = b"".join(write_xlsx(doc, batches(doc, records, 3)))

    assert list(parts(written)) == list(parts(xlsx_cell_by_cell(document(), records)))


def test_an_empty_xlsx_holds_the_header_row_only() -> None:
    doc = document()

    assert list(parts(b"".join(write_xlsx(doc, [])))) == list(parts(xlsx_cell_by_cell(document(), [])))


def test_xlsx_leaves_out_the_control_characters_openpyxl_refuses() -> None:
    doc = document()
    with pytest.raises(IllegalCharacterError):
        xlsx_cell_by_cell(document(), [record(1, description="bell \x07 and\x0btab")])

    written = b"".join(write_xlsx(doc, batches(doc, [record(1, description="bell \x07 and\x0btab")])))

    expected = xlsx_cell_by_cell(document(), [record(1, description="bell  andtab")])
    assert list(parts(written)) == list(parts(expected))


def test_a_failed_xlsx_export_leaves_no_temporary_file(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    doc = document()

    def failing() -> Iterator[Batch]:
        yield from batches(doc, RECORDS[:5])
        raise ConnectionError("the database went away")

    with pytest.raises(ConnectionError):
        b"".join(write_xlsx(doc, failing()))
    gc.collect()

    assert list(tmp_path.iterdir()) == []


def test_xlsx_rows_without_any_value_are_written_as_openpyxl_writes_them() -> None:
    def sparse() -> Document:
        columns = [c for c in STANDARD_COLUMNS if c.key in ("fixed_rate", "vat_id")]
        return Document(columns=columns, formatter=Formatter("en"), title="Timesheets")

    written = b"".join(write_xlsx(sparse(), batches(sparse(), RECORDS, 4)))

    assert list(parts(written)) == list(parts(xlsx_cell_by_cell(sparse(), RECORDS)))


@pytest.mark.parametrize(
    "texts",
    [
        ["plain", "", "a = b", "x-y", "mail@example.com"],
        ["plain", "", "=1+1"],
        ["-5", "plain"],
        ["a\x00=b", "\x00+", "tail\x00"],
        ["a\x00=b", "\t", ""],
        ["", "", "@"],
        ["\x00", "\r\n", "line\n=next"],
        ["+only"],
        [],
    ],
)
def test_csv_defuses_exactly_the_texts_a_spreadsheet_would_run(texts: list[str]) -> None:
    exact = ["'" + text if text.startswith(FORMULA_STARTS) else text for text in texts]

    assert _defused(list(texts)) == exact


# Texts with what the excel dialect quotes (delimiters, quotes, line breaks) among anything else.
csv_texts = st.text(alphabet=st.one_of(st.sampled_from(",\"\r\n \x00;'\t"), st.characters()), max_size=12)


@settings(max_examples=500, deadline=None)
@given(st.integers(1, 5).flatmap(lambda width: st.lists(st.lists(csv_texts, min_size=width, max_size=width))))
def test_csv_lines_are_what_the_csv_module_writes(rows: list[list[str]]) -> None:
    expected = io.StringIO()
    csv.writer(expected, lineterminator="\r\n").writerows(rows)
    width = len(rows[0]) if rows else 1
    columns = [[row[i] for row in rows] for i in range(width)]

    assert csv_lines(columns) == expected.getvalue()
