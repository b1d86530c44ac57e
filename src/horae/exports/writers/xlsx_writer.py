"""XLSX: openpyxl's write-only workbook for everything but the data rows, whose XML is written
here batch by batch into a temporary file; memory stays flat for any number of rows.

Cells keep their types: dates, times (the full local date and time, shown as hours and minutes),
durations (fractions of a day shown as [h]:mm), money and booleans. Number formats are Excel's
built-in ones, which spreadsheet programs display in the reader's own locale.

openpyxl builds a cell object per value and serializes each through an XML tree writer, tens of
microseconds per row of a dozen cells. The rows' XML is therefore written directly, exactly as
openpyxl writes it (the same elements, attributes, styles and escaping: `tests/exports` compares
the two), a column of a batch at a time, reusing the XML of values already met. The workbook,
header row, styles and sheet settings still come from openpyxl: once the rows are written to a
temporary file, openpyxl saves the workbook with its header row only, and the final archive is
that one with the rows put into the sheet's `<sheetData>` (compressed faster than openpyxl's
default: see SHEET_COMPRESSION).
"""

from __future__ import annotations

import io
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from horae.exports.formatting import Memo
from horae.exports.writers.base import Batch, Document

CHUNK_BYTES = 64 * 1024
COPY_BYTES = 1024 * 1024
# zlib's level for the sheet (openpyxl leaves zlib's default, 6). The rows' XML is most of an
# export's bytes and very repetitive: level 2 compresses a quarter's 70 MB of it in 0.3 s
# instead of 0.73 s, into 10.3 MB instead of 8.3 MB. The other parts keep the default.
SHEET_COMPRESSION = 2
FORMATS = {
    "date": "mm-dd-yy",  # built-in format 14: the reader's short date
    "time": "h:mm",
    "duration": "[h]:mm",
    "money": "#,##0.00",
}
WIDTHS = {"date": 12, "time": 8, "duration": 10, "money": 12, "bool": 9, "integer": 8}
# Excel keeps at most this many characters in a cell (openpyxl cuts longer text).
MAX_TEXT = 32767
END_OF_ROWS = b"</sheetData>"

# The XML after a cell's reference (`<c r="A2"`), without its value.
Fragment = str | None


def _excel_value(kind: str, value: Any) -> Any:
    """The value a cell of this kind holds: Excel has no timezones and counts time in days."""
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


def _escaped(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _number(value: Any) -> str:
    return "%.16g" % value  # openpyxl's own rendering of numbers  # noqa: UP031


def text_fragment(value: str) -> str:
    """A text cell as openpyxl writes it: an inline string, or an error value for Excel's error
    codes. Text is cut to Excel's limit. Control characters (a description may hold them; XML 1.0
    cannot) are left out, where openpyxl would refuse the cell and fail the whole export."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value[:MAX_TEXT])
    if not value:
        return ' t="inlineStr" />'
    if value in ERROR_CODES:
        return f' t="e"><v>{value}</v></c>'
    stripped = value.strip()
    space = ' xml:space="preserve"' if stripped and stripped != value else ""
    return f' t="inlineStr"><is><t{space}>{_escaped(value)}</t></is></c>'


def plain_fragment(value: Any) -> str:
    """An unformatted value (text, booleans, numbers) typed as openpyxl types it."""
    if isinstance(value, str):
        return text_fragment(value)
    if isinstance(value, bool):
        return f' t="b"><v>{_number(value)}</v></c>'
    if isinstance(value, int | float | Decimal):
        return f' t="n"><v>{_number(value)}</v></c>'
    raise TypeError(f"no plain cell for {type(value).__name__} values")


class _Cells:
    """The XML of a column's cells (after each reference), with openpyxl's styles."""

    def __init__(self, sheet: WriteOnlyWorksheet) -> None:
        self.sheet = sheet
        self._styles: dict[tuple[str, type], str] = {}
        self._formatted = {kind: self._memo(kind) for kind in ("date", "duration", "money")}
        # Keyed by (local time, its zone), see `column`.
        self._times = Memo(lambda key: self._formatted_fragment("time", _excel_value("time", key[0])))
        # One per kind: True, 1 and 1.0 are equal keys.
        self._plain = {kind: Memo(plain_fragment) for kind in ("text", "bool")}

    def _memo(self, kind: str) -> Memo:
        return Memo(lambda value: self._formatted_fragment(kind, _excel_value(kind, value)))

    def register(self, kind: str, value: Any) -> str:
        """The style attribute of a formatted cell, registered in the workbook the way the cell
        itself would register it (so that the styles part lists the same formats in the same
        order as a workbook written cell by cell)."""
        key = (kind, type(value))
        style = self._styles.get(key)
        if style is None:
            cell = WriteOnlyCell(self.sheet, value=value)
            cell.number_format = FORMATS[kind]
            style = self._styles[key] = f' s="{cell.style_id}"'
        return style

    def _formatted_fragment(self, kind: str, value: Any) -> str:
        style = self.register(kind, value)
        if isinstance(value, date):
            return f'{style} t="n"><v>{_number(to_excel(value))}</v></c>'
        return f'{style} t="n"><v>{_number(value)}</v></c>'

    def column(self, kind: str, values: Sequence[Any]) -> list[Fragment]:
        if kind == "time":
            times = self._times
            # Keyed with the zone: aware datetimes of different zones compare as instants, those
            # of one zone by their wall-clock time, which is what the cell holds.
            return [None if v is None else times[v, v.tzinfo] for v in values]
        if kind == "money":
            amounts = self._formatted["money"]
            # Zero amounts each time: 0 and -0 are equal keys but are written differently.
            return [
                None if v is None else amounts[v] if v else self._formatted_fragment("money", Decimal(v))
                for v in values
            ]
        formatted = self._formatted.get(kind)
        if formatted is not None:
            return [None if v is None else formatted[v] for v in values]
        plain = self._plain.get(kind)
        if plain is None:
            return [None if v is None else plain_fragment(v) for v in values]
        return [None if v is None else plain[v] for v in values]

    def first_styles(self, kinds: list[str], batch: Batch) -> None:
        """Registers the styles of the batch's formatted cells in the order of their first
        appearance, row by row (as cell-by-cell writing meets them)."""
        firsts = []
        for position, (kind, values) in enumerate(zip(kinds, batch.columns, strict=True)):
            if kind not in FORMATS or values.count(None) == len(values):
                continue
            row, value = next((i, v) for i, v in enumerate(values) if v is not None)
            converted = _excel_value(kind, value)
            if (kind, type(converted)) not in self._styles:
                firsts.append((row, position, kind, converted))
        for _row, _position, kind, value in sorted(firsts, key=lambda first: first[:2]):
            self.register(kind, value)


def _write_rows(
    handle: IO[bytes], cells: _Cells, kinds: list[str], batches: Iterable[Batch], first_row: int
) -> None:
    starts = [f'<c r="{get_column_letter(position)}' for position in range(1, len(kinds) + 1)]
    number = first_row
    for batch in batches:
        cells.first_styles(kinds, batch)
        numbers = [str(n) for n in range(number, number + len(batch))]
        number += len(batch)
        columns = []
        for start, kind, values in zip(starts, kinds, batch.columns, strict=True):
            fragments = cells.column(kind, values)
            columns.append(
                [f'{start}{n}"{f}' if f is not None else "" for n, f in zip(numbers, fragments, strict=True)]
            )
        rows = zip(*columns, strict=True) if columns else iter([()] * len(batch))
        xml = "".join([f'<row r="{n}">{"".join(row)}</row>' for n, row in zip(numbers, rows, strict=True)])
        handle.write(xml.encode("utf-8"))


def _assemble(template: io.BytesIO, sheet_path: str, rows: IO[bytes], target: IO[bytes]) -> None:
    """The template workbook with the rows put at the end of the sheet's data."""
    rows_size = rows.seek(0, io.SEEK_END)
    with (
        zipfile.ZipFile(template) as source,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive,
    ):
        for info in source.infolist():
            data = source.read(info)
            if info.filename != sheet_path:
                archive.writestr(info, data)
                continue
            cut = data.rindex(END_OF_ROWS)
            # The size decides, as when openpyxl adds the sheet from its file, whether ZIP64 is used.
            info.file_size = len(data) + rows_size
            # ZipFile.open(info, "w") compresses at the entry's level (ZipInfo.compress_level from
            # Python 3.13 on, `_compresslevel` before and still).
            info._compresslevel = SHEET_COMPRESSION  # type: ignore[attr-defined]
            with archive.open(info, "w") as member:
                member.write(data[:cut])
                rows.seek(0)
                shutil.copyfileobj(rows, member, COPY_BYTES)
                member.write(data[cut:])


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
    # The header's style comes first in the styles part, as when the header is written first; the
    # header itself is written once the rows are, so that openpyxl opens its sheet file only then
    # (an export that fails or is abandoned on the way leaves no such file behind).
    _ = {cell.style_id for cell in header}

    with tempfile.TemporaryFile(suffix=".xml") as rows:
        _write_rows(rows, _Cells(sheet), [column.kind for column in columns], batches, first_row=2)
        sheet.append(header)
        template = io.BytesIO()
        workbook.save(template)
        with tempfile.TemporaryFile(suffix=".xlsx") as handle:
            _assemble(template, sheet.path[1:], rows, handle)
            handle.seek(0)
            while chunk := handle.read(CHUNK_BYTES):
                yield chunk
