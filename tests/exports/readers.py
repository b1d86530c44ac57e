"""Each export format read back with a real reader: csv, openpyxl, pypdf and html.parser."""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser
from typing import Any

import openpyxl
import pypdf


def read_csv(data: bytes) -> tuple[list[str], list[list[str]]]:
    assert data.startswith(b"\xef\xbb\xbf"), "CSV starts with a UTF-8 byte order mark"
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    return rows[0], rows[1:]


def read_xlsx(data: bytes) -> tuple[list[str], list[list[Any]]]:
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    sheet = workbook.active
    assert sheet is not None
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    return [str(v) for v in rows[0]], rows[1:]


def read_pdf(data: bytes) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


class _TableParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.sections: dict[str, list[list[str]]] = {"thead": [], "tbody": [], "tfoot": []}
        self.section = ""
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag in self.sections:
            self.section = tag
        elif tag == "tr":
            self.row = []
        elif tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self.row is not None and self.cell is not None:
            self.row.append("".join(self.cell))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.sections[self.section].append(self.row)
            self.row = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def read_html(data: bytes) -> tuple[list[str], list[list[str]], list[str], list[str]]:
    """Header, body rows, footer row, and every tag name met (to spot injected markup)."""
    parser = _TableParser()
    parser.feed(data.decode("utf-8"))
    parser.close()
    return parser.sections["thead"][0], parser.sections["tbody"], parser.sections["tfoot"][0], parser.tags
