"""Money sums as the reports show them: four decimal places, as a Decimal or as a JSON number.

SQLite sums money as floats, the other backends as decimals; the JSON variants must show the
float of the same quantized Decimal the pages show, whichever way the figure was rounded.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from horae.reporting.schemas import totals_json, values_json
from horae.reporting.sql import Sums, Totals, money_number, money_sum


def same_number(got: float | None, expected: float) -> bool:
    # repr tells -0.0 from 0.0, which JSON keeps apart.
    return repr(got) == repr(expected)


# Sums of amounts with up to four decimal places, added as floats the way SQLite adds them.
amounts = st.integers(min_value=-(10**10), max_value=10**10).map(lambda n: float(Decimal(n).scaleb(-4)))
float_sums = st.lists(amounts, min_size=1, max_size=30).map(sum)
# Values at (or next to) a tie between two four-place results.
ties = st.integers(min_value=-(10**12), max_value=10**12).map(lambda n: (n + 0.5) / 10000)


@settings(max_examples=2000, deadline=None)
@given(st.one_of(float_sums, ties, st.floats(min_value=-1e16, max_value=1e16, allow_nan=False)))
def test_a_float_sum_is_shown_as_its_quantized_decimal(value: float) -> None:
    assert same_number(money_number(value), float(money_sum(value)))


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_an_integer_sum_is_shown_as_itself(value: int) -> None:
    assert same_number(money_number(value), float(value))
    assert money_sum(value) == Decimal(value) and str(money_sum(value)).endswith(".0000")


def test_decimal_sums_are_quantized_half_to_even() -> None:
    assert money_sum(Decimal("1.00005")) == Decimal("1.0000")
    assert money_sum(Decimal("1.00015")) == Decimal("1.0002")
    assert money_number(Decimal("2.50015")) == 2.5002
    assert money_number(Decimal("-0.00001")) == 0.0


def test_tiny_sums_keep_their_sign() -> None:
    assert same_number(money_number(-1e-9), -0.0)
    assert same_number(money_number(1e-9), 0.0)
    assert same_number(money_number(0.1 + 0.2 - 0.3), 0.0)


def test_totals_read_money_as_quantized_decimals_and_numbers() -> None:
    totals = Totals.of(7200, 3600, 0.1 + 0.2, None, 12, True)

    assert (totals.duration, totals.billable_duration) == (7200, 3600)
    assert str(totals.rate) == "0.3000"
    assert str(totals.billable_rate) == "0.0000"
    assert str(totals.internal_rate) == "12.0000"
    assert totals.money_numbers() == (0.3, 0.0, 12.0)
    assert totals == Totals(7200, 3600, Decimal("0.3"), Decimal(0), Decimal(12))


def test_hidden_money_stays_hidden() -> None:
    totals = Totals.of(60, 0, 10.5, 10.5, 3, False)

    assert (totals.rate, totals.billable_rate, totals.internal_rate) == (None, None, None)
    assert totals.money_numbers() == (None, None, None)
    assert Totals.zero(False).money_numbers() == (None, None, None)
    assert Totals.zero().money_numbers() == (0.0, 0.0, 0.0)


# The driver's sums of one cell, as SQLite (int, float) and the other backends (Decimal) hand them.
durations = st.one_of(st.none(), st.integers(0, 10**9), st.integers(0, 10**9).map(Decimal))
money_sums = st.one_of(
    st.none(),
    st.integers(-(10**12), 10**12),
    float_sums,
    ties,
    st.decimals(min_value=-(10**12), max_value=10**12, places=8, allow_nan=False, allow_infinity=False),
)
cell_sums = st.tuples(durations, durations, money_sums, money_sums, money_sums)


def sums_json(sums: tuple[Any, ...], show_rates: bool) -> Any:
    """One cell's JSON, read from its driver sums."""
    return values_json(Sums(show_rates, {date(2024, 1, 1): sums}))["2024-01-01"]


@settings(max_examples=1000, deadline=None)
@given(cell_sums, st.booleans())
def test_a_cell_from_its_sums_is_the_json_of_its_totals(sums: tuple[Any, ...], show_rates: bool) -> None:
    assert orjson.dumps(sums_json(sums, show_rates)) == orjson.dumps(
        totals_json(Totals.of_sums(sums, show_rates))
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(cell_sums, max_size=12), min_size=1, max_size=5), st.booleans())
def test_rows_sharing_their_money_numbers_read_as_their_totals(
    rows: list[list[tuple[Any, ...]]], show_rates: bool
) -> None:
    # Repeated sums, equal sums of other types and zeros of either sign in the same rows.
    repeated = [(1, 1, 0.5, Decimal("0.5"), 2), (1, 1, -0.0, 0.0, 0), (1, 1, Decimal("-0"), -1e-9, 0.5)]
    days = [date(2024, 1, day) for day in range(1, 32)]
    money: dict[Any, float] = {}
    for cells in [*rows, repeated, repeated[::-1]]:
        raw = dict(zip(days, cells, strict=False))
        as_totals = {key: Totals.of_sums(sums, show_rates) for key, sums in raw.items()}

        assert orjson.dumps(values_json(Sums(show_rates, raw), money=money)) == orjson.dumps(
            values_json(as_totals)
        )


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.dates(date(2000, 1, 1), date(2030, 12, 31)), cell_sums, max_size=40), st.booleans())
def test_cells_kept_as_sums_read_as_their_totals(raw: dict[date, tuple[Any, ...]], show_rates: bool) -> None:
    cells = Sums(show_rates, raw)
    as_totals = {key: Totals.of_sums(sums, show_rates) for key, sums in raw.items()}

    assert dict(cells) == as_totals and len(cells) == len(raw) and list(cells) == list(raw)
    assert orjson.dumps(values_json(cells)) == orjson.dumps(values_json(as_totals))
    for key in raw:
        assert key in cells and cells.get(key) == cells[key] == as_totals[key]
    missing = date(1999, 12, 31)
    assert missing not in cells and cells.get(missing) is None and cells.get(missing, 0) == 0
    with pytest.raises(KeyError):
        cells[missing]


def test_a_missing_sum_is_zero_when_money_shows_and_null_when_it_does_not() -> None:
    assert sums_json((None, None, None, None, None), True) == {
        "duration": 0,
        "billableDuration": 0,
        "rate": 0.0,
        "billableRate": 0.0,
        "internalRate": 0.0,
    }
    assert sums_json((Decimal(5), 3, Decimal("1.00005"), 0.1 + 0.2, 2), False) == {
        "duration": 5,
        "billableDuration": 3,
        "rate": None,
        "billableRate": None,
        "internalRate": None,
    }
    assert orjson.dumps(sums_json((1, 1, -1e-9, Decimal("-0.00001"), 0), True)) == (
        b'{"duration":1,"billableDuration":1,"rate":-0.0,"billableRate":-0.0,"internalRate":0.0}'
    )
