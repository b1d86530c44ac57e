"""CSV: UTF-8 with a byte order mark (so spreadsheet programs detect the encoding), one header
line, values as the user's locale writes them, written one batch of rows at a time.

The rows are the csv module's (the excel dialect, CRLF line ends) byte for byte, but written
column by column: Python's csv writer copies every field character by character, which took a
quarter of a large export's time. Here a column none of whose texts holds a delimiter, a quote or
a line break (most columns of most batches) is taken as it is, the others have exactly those
texts quoted, and each row is joined by `str.join`. `tests/exports/test_writers.py` compares
the two writers on arbitrary text.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator

from horae.exports.writers.base import Batch, Document, column_texts

# A cell starting with one of these would run as a formula in a spreadsheet program.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A formula start right after a NUL character: in texts joined by NULs, the start of any but the
# first. The pattern begins with a literal, so that the search skips from NUL to NUL (an
# alternative such as `(?:^|\x00)` would make it try every position: 15 times slower).
_FORMULA_AFTER_NUL = re.compile("\x00[" + re.escape("".join(FORMULA_STARTS)) + "]")


def _defused(texts: list[str]) -> list[str]:
    # One search over the column answers for the usual batch, in which no text starts a formula;
    # a text holding a NUL character at most sends the batch to the exact check.
    if not texts or (
        not texts[0].startswith(FORMULA_STARTS) and not _FORMULA_AFTER_NUL.search("\x00".join(texts))
    ):
        return texts
    return ["'" + text if text.startswith(FORMULA_STARTS) else text for text in texts]


def _quoted(texts: list[str]) -> list[str]:
    """The texts as fields of the excel dialect: those holding a delimiter, a quote or a line
    break (what makes the csv module quote a field) in quotes, with their quotes doubled. One
    search per character for the whole column answers for the usual batch, in which no text
    needs quotes."""
    joined = "".join(texts)
    if "," not in joined and '"' not in joined and "\n" not in joined and "\r" not in joined:
        return texts
    return [
        '"' + text.replace('"', '""') + '"'
        if "," in text or '"' in text or "\n" in text or "\r" in text
        else text
        for text in texts
    ]


def csv_lines(columns: list[list[str]]) -> str:
    """The rows of these columns of texts as the csv module's excel dialect writes them, each
    line ended by CRLF."""
    fields = [_quoted(texts) for texts in columns]
    if len(fields) == 1:
        # A record of a single empty field is written as "" (an empty line would be no record).
        fields = [[text or '""' for text in fields[0]]]
    lines = "\r\n".join(map(",".join, zip(*fields, strict=True)))
    return f"{lines}\r\n" if lines else ""


def write_csv(document: Document, batches: Iterable[Batch]) -> Iterator[bytes]:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    csv.writer(buffer, lineterminator="\r\n").writerow([column.label for column in document.columns])
    # The header goes out at once, so that a download starts before the first rows are read.
    yield buffer.getvalue().encode("utf-8")
    text_columns = [i for i, column in enumerate(document.columns) if column.kind == "text"]
    for batch in batches:
        cells = column_texts(document, batch)
        for i in text_columns:
            cells[i] = _defused(cells[i])
        yield csv_lines(cells).encode("utf-8")
