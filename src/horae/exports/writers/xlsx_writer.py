"""XLSX with openpyxl's write-only workbook: rows go to disk as they arrive, the finished file is
then sent from a temporary file in chunks, so memory stays flat for any number of rows.

Cells keep their types: dates, times (the full local date and time, shown as hours and minutes),
durations (fractions of a day shown as [h]:mm), money and booleans. Number formats are Excel's
built-in ones, which spreadsheet programs display in the reader's own locale.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from horae.exports.writers.base import Batch, Document

CHUNK_BYTES = 64 * 1024
FORMATS = {
    "date": "mm-dd-yy",  # built-in format 14: the reader's short date
    "time": "h:mm",
    "duration": "[h]:mm",
    "money": "#,##0.00",
}
WIDTHS = {"date": 12, "time": 8, "duration": 10, "money": 12, "bool": 9, "integer": 8}


def _excel_value(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "time":
        # Excel has no timezones: the wall-clock time in the record's zone is what it shows.
        return value.replace(tzinfo=None) if isinstance(value, datetime) else value
    if kind == "duration":
        return int(value) / 86400
    if kind == "money":
        return Decimal(value)
    return value


def write_xlsx(document: Document, batches: Iterable[Batch]) -> Iterator[bytes]:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Timesheets")
    columns = document.columns
    for position, column in enumerate(columns, start=1):
        width = WIDTHS.get(column.kind, 40 if column.key == "description" else 18)
        sheet.column_dimensions[get_column_letter(position)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.label)
        cell.font = bold
        header.append(cell)
    sheet.append(header)

    kinds = [column.kind for column in columns]
    styled = [kind in FORMATS for kind in kinds]
    for values, _currency in (record for batch in batches for record in batch.records()):
        row: list[Any] = []
        for kind, value, has_format in zip(kinds, values, styled, strict=True):
            value = _excel_value(kind, value)
            if has_format and value is not None:
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = FORMATS[kind]
                row.append(cell)
            elif kind == "text" and isinstance(value, str) and value.startswith("="):
                # openpyxl would store it as a formula; keep it the text it is.
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"
                row.append(cell)
            else:
                row.append(value)
        sheet.append(row)

    with tempfile.TemporaryFile(suffix=".xlsx") as handle:
        workbook.save(handle)
        handle.seek(0)
        while chunk := handle.read(CHUNK_BYTES):
            yield chunk
