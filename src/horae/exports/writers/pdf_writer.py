"""PDF: a table on A4 landscape pages, written page by page as the rows arrive.

PDF libraries (fpdf2, ReportLab) keep every page of a document in memory until it is saved, so a
large export would grow with its row count. This writer sends each page's objects out as soon as
the page is full and keeps only their byte offsets for the cross-reference table at the end: a
few bytes per page. It draws with the standard Helvetica font, which every PDF reader has, so
no font is embedded; text is encoded in Windows-1252 (Western European languages), and
characters outside it print as "?". CSV, XLSX and HTML keep every character.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from horae.exports.writers.base import NUMERIC_KINDS, Batch, Document, RunningTotals, rows_of_texts
from horae.exports.writers.pdf_fonts import BOLD_FACTOR, HELVETICA

PAGE_WIDTH, PAGE_HEIGHT = 841.89, 595.28
MARGIN = 28.0
FONT_SIZE = 7.0
LEADING = 8.6
PADDING = 2.0
TITLE_SIZE = 13.0
NOTE_SIZE = 8.0
FOOTER_SIZE = 7.0
MAX_LINES = 6
ELLIPSIS = "\u2026"
# Widths of the columns whose values have a known shape; text columns share the rest by weight.
FIXED_WIDTHS = {"date": 42.0, "time": 34.0, "duration": 30.0, "money": 46.0, "bool": 26.0, "integer": 28.0}
MIN_TEXT_WIDTH = 30.0
# Spaces and dashes Babel writes that Windows-1252 lacks, mapped to ones it has.
_PRINTABLE = str.maketrans({"\u202f": "\xa0", "\u2009": " ", "\u2007": " ", "\u2212": "-", "\u2011": "-"})


def _encode(text: str) -> bytes:
    return text.translate(_PRINTABLE).encode("cp1252", errors="replace")


def _escape(data: bytes) -> bytes:
    return data.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def text_width(text: str, size: float, bold: bool = False) -> float:
    width = sum(HELVETICA[b] for b in _encode(text)) * size / 1000
    return width * BOLD_FACTOR if bold else width


def _fit(text: str, width: float, size: float, bold: bool) -> str:
    """The text, cut with an ellipsis so that it fits the width."""
    if text_width(text, size, bold) <= width:
        return text
    while text and text_width(text + ELLIPSIS, size, bold) > width:
        text = text[:-1]
    return text + ELLIPSIS


def wrap(text: str, width: float, size: float, bold: bool = False, max_lines: int = MAX_LINES) -> list[str]:
    """Greedy word wrap to the width; words longer than a line are cut, lines past the limit end
    the cell with an ellipsis."""
    if "\n" not in text and "\r" not in text and text_width(text, size, bold) <= width:
        return [text]
    space = text_width(" ", size, bold)
    lines: list[str] = []
    for paragraph in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        current, current_width = "", 0.0
        for word in paragraph.replace("\t", " ").split(" "):
            word_width = text_width(word, size, bold)
            if current and current_width + space + word_width <= width:
                current, current_width = f"{current} {word}", current_width + space + word_width
                continue
            if not current and word_width <= width:
                current, current_width = word, word_width
                continue
            if current:
                lines.append(current)
            while word_width > width and len(word) > 1:
                cut = len(word)
                while cut > 1 and text_width(word[:cut], size, bold) > width:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
                word_width = text_width(word, size, bold)
            current, current_width = word, word_width
        lines.append(current)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], _fit(lines[max_lines - 1] + ELLIPSIS, width, size, bold)]
    return lines or [""]


def column_widths(columns: list[tuple[str, float, str]], available: float) -> list[float]:
    """Widths for (kind, weight, label) columns: dates, times, durations, money and flags get a
    fixed width, text columns share the rest by weight; no column is narrower than its bold
    label. When that leaves too little room, every column shrinks alike."""
    least = [text_width(label, FONT_SIZE, bold=True) + 2 * PADDING + 1 for _, _, label in columns]
    fixed = [
        max(FIXED_WIDTHS[kind], floor) if kind in FIXED_WIDTHS else None
        for (kind, _, _), floor in zip(columns, least, strict=True)
    ]
    widths: list[float] = [width or 0.0 for width in fixed]
    text = [i for i, width in enumerate(fixed) if width is None]
    remaining = available - sum(width for width in fixed if width is not None)
    # Give text columns their share; those below their floor get the floor, the rest share again.
    while text:
        weight = sum(columns[i][1] for i in text) or 1.0
        short = [i for i in text if remaining * columns[i][1] / weight < max(least[i], MIN_TEXT_WIDTH)]
        if not short:
            for i in text:
                widths[i] = remaining * columns[i][1] / weight
            break
        for i in short:
            widths[i] = max(least[i], MIN_TEXT_WIDTH)
            remaining -= widths[i]
        text = [i for i in text if i not in short]
    total = sum(widths)
    scale = min(1.0, available / total) if total else 1.0
    return [width * scale for width in widths]


class PdfStream:
    """Numbers objects and remembers where each one starts; bytes go straight to the caller."""

    def __init__(self) -> None:
        self.offsets: dict[int, int] = {}
        self.position = 0
        self.next_id = 1

    def reserve(self) -> int:
        number = self.next_id
        self.next_id += 1
        return number

    def emit(self, data: bytes) -> bytes:
        self.position += len(data)
        return data

    def obj(self, number: int, body: bytes) -> bytes:
        self.offsets[number] = self.position
        return self.emit(b"%d 0 obj\n%s\nendobj\n" % (number, body))

    def stream_obj(self, number: int, content: bytes) -> bytes:
        packed = zlib.compress(content, 6)
        return self.obj(
            number, b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(packed), packed)
        )

    def xref(self, root: int, info: int) -> bytes:
        size = self.next_id
        start = self.position
        lines = [b"xref\n0 %d\n" % size, b"0000000000 65535 f \n"]
        lines += [b"%010d 00000 n \n" % self.offsets[n] for n in range(1, size)]
        lines.append(
            b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (size, root, info, start)
        )
        return self.emit(b"".join(lines))


def _pdf_string(text: str) -> bytes:
    return b"(" + _escape(_encode(text)) + b")"


def _number(value: float) -> bytes:
    return (b"%.2f" % value).rstrip(b"0").rstrip(b".")


class _Page:
    """The drawing operators of one page."""

    def __init__(self) -> None:
        self.ops: list[bytes] = []

    def rect(self, x: float, y: float, w: float, h: float, gray: float) -> None:
        self.ops.append(
            b"%s g %s %s %s %s re f" % (_number(gray), _number(x), _number(y), _number(w), _number(h))
        )

    def line(self, x1: float, y1: float, x2: float, y2: float, gray: float = 0.6, width: float = 0.4) -> None:
        self.ops.append(
            b"%s G %s w %s %s m %s %s l S"
            % (_number(gray), _number(width), _number(x1), _number(y1), _number(x2), _number(y2))
        )

    def text(self, x: float, y: float, text: str, size: float, bold: bool = False) -> None:
        font = b"/F2" if bold else b"/F1"
        self.ops.append(
            b"BT 0 g %s %s Tf 1 0 0 1 %s %s Tm %s Tj ET"
            % (font, _number(size), _number(x), _number(y), _pdf_string(text))
        )

    def content(self) -> bytes:
        return b"\n".join(self.ops)


class _Table:
    """Lays rows out on pages and hands each finished page to the stream."""

    def __init__(self, document: Document, stream: PdfStream, pages_id: int, fonts: tuple[int, int]) -> None:
        self.document = document
        self.stream = stream
        self.pages_id = pages_id
        self.fonts = fonts
        self.page_ids: list[int] = []
        columns = document.columns
        self.widths = column_widths([(c.kind, c.weight, c.label) for c in columns], PAGE_WIDTH - 2 * MARGIN)
        self.lefts = [MARGIN + sum(self.widths[:i]) for i in range(len(columns))]
        self.right_aligned = [c.kind in NUMERIC_KINDS for c in columns]
        self.page: _Page | None = None
        self.y = 0.0
        self.row_number = 0

    # -- pages --

    def _start_page(self) -> None:
        self.page = _Page()
        self.y = PAGE_HEIGHT - MARGIN
        if not self.page_ids:
            self.y -= TITLE_SIZE
            self.page.text(MARGIN, self.y, self.document.title, TITLE_SIZE, bold=True)
            self.y -= 4
            for note in self.document.notes:
                self.y -= NOTE_SIZE + 2
                self.page.text(
                    MARGIN, self.y, _fit(note, PAGE_WIDTH - 2 * MARGIN, NOTE_SIZE, False), NOTE_SIZE
                )
            self.y -= 8
        self._header()

    def _finish_page(self) -> Iterator[bytes]:
        assert self.page is not None
        number = len(self.page_ids) + 1
        footer_y = MARGIN - 12
        generated = self.document.generated_at
        if generated is not None:
            stamp = generated.strftime("%Y-%m-%d %H:%M")
            self.page.text(MARGIN, footer_y, f"{self.document.title} \u00b7 {stamp}", FOOTER_SIZE)
        label = f"Page {number}"
        self.page.text(PAGE_WIDTH - MARGIN - text_width(label, FOOTER_SIZE), footer_y, label, FOOTER_SIZE)
        content_id, page_id = self.stream.reserve(), self.stream.reserve()
        yield self.stream.stream_obj(content_id, self.page.content())
        regular, bold = self.fonts
        yield self.stream.obj(
            page_id,
            b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %s %s] "
            b"/Resources << /Font << /F1 %d 0 R /F2 %d 0 R >> >> /Contents %d 0 R >>"
            % (self.pages_id, _number(PAGE_WIDTH), _number(PAGE_HEIGHT), regular, bold, content_id),
        )
        self.page_ids.append(page_id)
        self.page = None

    def _header(self) -> None:
        labels = [column.label for column in self.document.columns]
        self._draw(self._lines(labels, bold=True), bold=True, shade=0.86)

    # -- rows --

    def _lines(self, texts: list[str], bold: bool = False) -> list[list[str]]:
        # Every cell wraps, numbers too: a value is never cut short, only very long text is.
        return [
            wrap(text, max(width - 2 * PADDING, 1.0), FONT_SIZE, bold)
            for text, width in zip(texts, self.widths, strict=True)
        ]

    def _height(self, lines: list[list[str]]) -> float:
        return max((len(cell) for cell in lines), default=1) * LEADING + 2 * PADDING

    def _draw(self, lines: list[list[str]], bold: bool = False, shade: float | None = None) -> None:
        assert self.page is not None
        height = self._height(lines)
        top = self.y
        if shade is not None:
            self.page.rect(MARGIN, top - height, PAGE_WIDTH - 2 * MARGIN, height, shade)
        for cell, left, width, right in zip(lines, self.lefts, self.widths, self.right_aligned, strict=True):
            baseline = top - PADDING - FONT_SIZE
            for line in cell:
                x = left + width - PADDING - text_width(line, FONT_SIZE, bold) if right else left + PADDING
                if line:
                    self.page.text(x, baseline, line, FONT_SIZE, bold)
                baseline -= LEADING
        self.y = top - height
        self.page.line(MARGIN, self.y, PAGE_WIDTH - MARGIN, self.y)

    def add(self, texts: list[str], bold: bool = False) -> Iterator[bytes]:
        lines = self._lines(texts, bold)
        if self.page is None:
            self._start_page()
        if self.y - self._height(lines) < MARGIN:
            yield from self._finish_page()
            self._start_page()
        self.row_number += 1
        shade = 0.95 if self.row_number % 2 == 0 and not bold else None
        self._draw(lines, bold=bold, shade=shade)

    def close(self) -> Iterator[bytes]:
        if self.page is None:
            self._start_page()
        yield from self._finish_page()


def write_pdf(document: Document, batches: Iterable[Batch]) -> Iterator[bytes]:
    stream = PdfStream()
    catalog, pages, regular, bold, info = (stream.reserve() for _ in range(5))
    yield stream.emit(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    for number, name in ((regular, b"Helvetica"), (bold, b"Helvetica-Bold")):
        yield stream.obj(
            number, b"<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding /WinAnsiEncoding >>" % name
        )
    yield stream.obj(catalog, b"<< /Type /Catalog /Pages %d 0 R >>" % pages)

    table = _Table(document, stream, pages, (regular, bold))
    totals = RunningTotals(document.columns)
    for batch in batches:
        for (values, currency), cells in zip(batch.records(), rows_of_texts(document, batch), strict=True):
            totals.add(values, currency)
            yield from table.add(list(cells))
    footer = totals.texts(document.formatter)
    if document.columns:
        footer[0] = footer[0] or f"{totals.count} entries"
    yield from table.add(footer, bold=True)
    yield from table.close()

    kids = b" ".join(b"%d 0 R" % page for page in table.page_ids)
    yield stream.obj(pages, b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(table.page_ids)))
    created = (document.generated_at or datetime.now(UTC)).astimezone(UTC).strftime("D:%Y%m%d%H%M%SZ")
    yield stream.obj(
        info,
        b"<< /Title %s /Producer (Horae) /CreationDate (%s) >>"
        % (_pdf_string(document.title), created.encode()),
    )
    yield stream.xref(catalog, info)
