"""The export formats: media type, file extension and the writer of each."""

from __future__ import annotations

from dataclasses import dataclass

from horae.exports.writers.base import Writer
from horae.exports.writers.csv_writer import write_csv
from horae.exports.writers.html_writer import write_html
from horae.exports.writers.pdf_writer import write_pdf
from horae.exports.writers.xlsx_writer import write_xlsx


@dataclass(frozen=True)
class ExportFormat:
    name: str
    media_type: str
    extension: str
    write: Writer


FORMATS = {
    "csv": ExportFormat("csv", "text/csv; charset=utf-8", "csv", write_csv),
    "xlsx": ExportFormat(
        "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", write_xlsx
    ),
    "pdf": ExportFormat("pdf", "application/pdf", "pdf", write_pdf),
    "html": ExportFormat("html", "text/html; charset=utf-8", "html", write_html),
}
