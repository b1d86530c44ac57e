"""CSV: UTF-8 with a byte order mark (so spreadsheet programs detect the encoding), one header
line, values as the user's locale writes them, written one batch of rows at a time."""

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


def write_csv(document: Document, batches: Iterable[Batch]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([column.label for column in document.columns])
    # The header goes out at once, so that a download starts before the first rows are read.
    yield buffer.getvalue().encode("utf-8")
    text_columns = [i for i, column in enumerate(document.columns) if column.kind == "text"]
    for batch in batches:
        buffer.seek(0)
        buffer.truncate()
        cells = column_texts(document, batch)
        for i in text_columns:
            cells[i] = _defused(cells[i])
        writer.writerows(zip(*cells, strict=True))
        yield buffer.getvalue().encode("utf-8")
