"""Kimai's number formats for generated customer, project and activity numbers."""

from __future__ import annotations

from datetime import date

import pytest

from horae.numbering import format_number

DAY = date(2024, 3, 7)


@pytest.mark.parametrize(
    ("fmt", "counter", "expected"),
    [
        ("{cc,4}", 1, "0001"),
        ("{cc,4}", 12345, "12345"),
        ("{pc,2}", 3, "03"),
        ("{ac}", 7, "7"),
        ("{cc+10}", 1, "10"),  # the number of records (0) plus the increment
        ("K-{cc,3}/{Y}", 5, "K-005/2024"),
        ("{y}{M}{D}", 1, "240307"),
        ("{m}.{d}", 1, "3.7"),
        ("{YY}", 1, "2025"),
        ("{YY-2}", 1, "2022"),
        ("{yy+1}", 1, "25"),
        ("{MM}", 1, "4"),
        ("{DD+3}", 1, "10"),
        ("{Y,6}", 1, "002024"),
        ("{unknown}", 1, "{unknown}"),
        ("plain", 1, "plain"),
    ],
)
def test_format_number(fmt, counter, expected):
    assert format_number(fmt, counter, DAY) == expected


@pytest.mark.parametrize("fmt", ["{cc,x}", "{cc+}", "{cc+a}"])
def test_malformed_formats_give_no_number(fmt):
    assert format_number(fmt, 1, DAY) is None
