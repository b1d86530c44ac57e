"""HTML: one self-contained page (no scripts, no external files), every value escaped, sent in
chunks while the rows arrive; the totals row comes last, in the table footer."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from html import escape

from horae.exports.writers.base import NUMERIC_KINDS, Batch, Document, RunningTotals, rows_of_texts

CHUNK_ROWS = 500
STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       font-size: 13px; color: #1f2328; margin: 24px; }
h1 { font-size: 20px; margin: 0 0 4px; }
p.note { margin: 0; color: #57606a; }
table { border-collapse: collapse; margin-top: 16px; width: 100%; }
th, td { border: 1px solid #d0d7de; padding: 4px 6px; vertical-align: top; text-align: left; }
thead th { background: #eaeef2; position: sticky; top: 0; }
tbody tr:nth-child(even) td { background: #f6f8fa; }
td.num, th.num { text-align: right; white-space: nowrap; }
td.description { white-space: pre-wrap; }
tfoot td { font-weight: bold; border-top: 2px solid #57606a; }
@media print { thead th { position: static; } }
"""


def _classes(kind: str, key: str) -> str:
    if kind in NUMERIC_KINDS:
        return ' class="num"'
    if key == "description":
        return ' class="description"'
    return ""


def write_html(document: Document, batches: Iterable[Batch]) -> Iterator[bytes]:
    columns = document.columns
    classes = [_classes(column.kind, column.key) for column in columns]
    head = [
        "<!DOCTYPE html>",
        f'<html lang="{escape(document.language)}">',
        '<head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(document.title)}</title>",
        f"<style>{STYLE}</style></head>",
        f"<body><h1>{escape(document.title)}</h1>",
        *(f'<p class="note">{escape(note)}</p>' for note in document.notes),
        "<table><thead><tr>",
        *(
            f'<th scope="col"{cls}>{escape(column.label)}</th>'
            for column, cls in zip(columns, classes, strict=True)
        ),
        "</tr></thead><tbody>",
    ]
    yield "\n".join(head).encode("utf-8")

    totals = RunningTotals(columns)
    parts: list[str] = []
    for batch in batches:
        for (values, currency), cells in zip(batch.records(), rows_of_texts(document, batch), strict=True):
            totals.add(values, currency)
            parts.append(
                "<tr>"
                + "".join(f"<td{cls}>{escape(text)}</td>" for cls, text in zip(classes, cells, strict=True))
                + "</tr>"
            )
            if len(parts) >= CHUNK_ROWS:
                yield ("\n" + "\n".join(parts)).encode("utf-8")
                parts.clear()

    footer = totals.texts(document.formatter)
    footer[0] = footer[0] or f"{totals.count} entries"
    tail = [
        *parts,
        "</tbody><tfoot><tr>",
        *(f"<td{cls}>{escape(text)}</td>" for cls, text in zip(classes, footer, strict=True)),
        "</tr></tfoot></table></body></html>",
    ]
    yield ("\n" + "\n".join(tail) + "\n").encode("utf-8")
