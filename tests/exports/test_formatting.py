"""Cell formatting: the fast money format renders exactly what Babel renders."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from babel.numbers import format_currency

from horae.exports.formatting import Formatter, format_duration

LOCALES = [
    "en",
    "en_GB",
    "en_IN",
    "de",
    "de_CH",
    "de_AT",
    "fr",
    "fr_CH",
    "nl",
    "es",
    "it",
    "pt_BR",
    "pl",
    "sv",
    "ja",
    "zh",
    "ar",
    "he",
    "fa",
    "ru",
    "tr",
    "hi",
]
AMOUNTS = [
    Decimal(v)
    for v in (
        "0",
        "0.004",
        "0.005",
        "0.015",
        "1",
        "-1",
        "12.5",
        "999.995",
        "1000",
        "-1234.5",
        "1234567.891",
        "-0.01",
        "100000000.125",
    )
]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("currency", ["EUR", "USD", "JPY", "CHF", "KWD", "INR"])
def test_money_is_formatted_as_babel_formats_it(locale: str, currency: str) -> None:
    formatter = Formatter(locale)
    for amount in AMOUNTS:
        assert formatter.money(amount, currency) == format_currency(amount, currency, locale=locale)


def test_durations_are_hours_and_minutes() -> None:
    assert [format_duration(s) for s in (0, 59, 60, 3599, 3600, 36000 + 300, -5400)] == [
        "0:00",
        "0:00",
        "0:01",
        "0:59",
        "1:00",
        "10:05",
        "-1:30",
    ]


def test_dates_and_times_follow_the_locale() -> None:
    english, german = Formatter("en"), Formatter("de")
    moment = datetime(2024, 3, 31, 14, 5)
    assert (english.date(date(2024, 3, 31)), english.time(moment)) == ("3/31/2024", "2:05\u202fPM")
    assert (german.date(date(2024, 3, 31)), german.time(moment)) == ("31.3.2024", "14:05")


def test_an_unknown_locale_falls_back_to_english() -> None:
    assert Formatter("xx_YY").date(date(2024, 1, 2)) == "1/2/2024"


COLUMN_LOCALES = ["en", "de", "de_CH", "fr", "en_IN", "ja", "ar", "fa", "hi"]
# Repeated values (texts reused), zero and negative zero (equal keys written differently),
# values Babel rounds, and missing values.
COLUMN_AMOUNTS = [
    Decimal(v) if v is not None else None
    for v in ("12.5", "0", "-0", "12.50", "-1234.5", None, "0.005", "-0.00", "999999.995", "12.5", "0")
]
COLUMN_CURRENCIES = ["EUR", "USD", "JPY", "CHF", "KWD", "INR", None, "EUR", "USD", "EUR", "JPY"]


@pytest.mark.parametrize("locale", COLUMN_LOCALES)
def test_a_formatted_column_equals_its_cells_formatted_one_by_one(locale: str) -> None:
    values = {
        "money": COLUMN_AMOUNTS,
        "date": [date(2024, 3, 31), None, date(1999, 12, 1), date(2024, 3, 31), date(2024, 1, 2)],
        "time": [datetime(2024, 3, 31, h, m) for h, m in ((0, 0), (9, 5), (12, 0), (23, 59), (9, 5))]
        + [None],
        "duration": [0, 59, 3600, -5400, None, 3600, 359999],
        "bool": [True, False, None, True],
        "text": ["a", "", None, "=x", 12, "a"],
        "integer": [1, None, 2**40],
    }
    for kind, column in values.items():
        currencies = (COLUMN_CURRENCIES * 2)[: len(column)]
        # Twice over, so that the second pass reads every text back from the memo.
        for _ in range(2):
            formatter = Formatter(locale)
            assert formatter.column(kind, column, currencies) == [
                Formatter(locale).cell(kind, value, currency)
                for value, currency in zip(column, currencies, strict=True)
            ], kind


def test_negative_zero_keeps_its_sign_after_zero_was_formatted() -> None:
    formatter = Formatter("en")
    texts = formatter.column("money", [Decimal("0"), Decimal("-0")], ["USD", "USD"])
    assert texts == [format_currency(Decimal(v), "USD", locale="en") for v in ("0", "-0")]
