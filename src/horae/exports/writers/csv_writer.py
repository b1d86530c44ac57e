"""CSV: UTF-8 with a byte order mark (so spreadsheet programs detect the encoding), one header
line, values as the user's locale writes them, written in chunks of a few hundred rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from horae.exports.writers.base import Document, Record, cell_texts

CHUNK_ROWS = 500
# A cell starting with one of these would run as a formula in a spreadsheet program.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _defused(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_csv(document: Document, records: Iterable[Record]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([column.label for column in document.columns])
    # The header goes out at once, so that a download starts before the first rows are read.
    yield buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    text_columns = [i for i, column in enumerate(document.columns) if column.kind == "text"]
    pending = 0
    for values, currency in records:
        cells = cell_texts(document, values, currency)
        for i in text_columns:
            cells[i] = _defused(cells[i])
        writer.writerow(cells)
        pending += 1
        if pending >= CHUNK_ROWS:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue().encode("utf-8")
