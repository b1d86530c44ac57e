"""Cell text in the exporting user's locale (Babel): dates, times, numbers and money.

Dates use the locale's numeric pattern with a four-digit year (`yMd`: 3/31/2024, 31.3.2024),
times its short pattern (2:30 PM, 14:30), money its currency pattern with the record's currency
(€1,234.50, 1.234,50 €). Durations are hours and minutes (7:05) in every locale, as Kimai
writes them. Patterns are looked up once per export and values cached where they repeat: a
column of a batch is formatted in one pass (`Formatter.column`), reusing the text of every value
already met (dates, clock times, durations and amounts repeat across a large export).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton, format_time
from babel.numbers import (
    format_currency,
    format_decimal,
    get_currency_precision,
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
)

from horae.users.models import User

DEFAULT_LOCALE = "en"
# How many texts each kind keeps for reuse; a full memo starts over, so memory stays bounded.
MEMO_SIZE = 4096


def locale_of(user: User, fallback: str = DEFAULT_LOCALE) -> str:
    """The user's formatting locale: their `locale` preference, else their language."""
    for name in (user.preference("locale"), user.preference("language"), fallback):
        if name and parse_locale(name) is not None:
            return name
    return DEFAULT_LOCALE


def parse_locale(name: str) -> Locale | None:
    try:
        return Locale.parse(name.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return None


def format_duration(seconds: int | None) -> str:
    if seconds is None:
        return ""
    sign = "-" if seconds < 0 else ""
    minutes = abs(int(seconds)) // 60
    return f"{sign}{minutes // 60}:{minutes % 60:02d}"


# Amounts a fast money format must render exactly as Babel does before it is trusted.
_MONEY_PROBES = (
    Decimal("1234567.891"),
    Decimal("-1234567.895"),
    Decimal("0"),
    Decimal("-0.5"),
    Decimal("12.5"),
)


class _MoneyShape:
    """One currency's pattern in one locale, applied with plain string formatting.

    Babel parses and applies its pattern on every call, which dominates a large export; this
    shape is only used where it renders the probes exactly as Babel does (three-digit grouping,
    Latin digits), and Babel formats everything else.
    """

    def __init__(self, locale: Locale, currency: str) -> None:
        pattern = locale.currency_formats["standard"]
        symbol = get_currency_symbol(currency, locale)

        def text(part: str) -> str:
            return part.replace("¤", symbol).replace("'", "")

        self.prefix = (text(pattern.prefix[0]), text(pattern.prefix[1]))
        self.suffix = (text(pattern.suffix[0]), text(pattern.suffix[1]))
        self.spec = f",.{get_currency_precision(currency)}f"
        self.marks = str.maketrans({",": get_group_symbol(locale), ".": get_decimal_symbol(locale)})
        self.usable = pattern.grouping == (3, 3) and all(
            self.apply(v) == format_currency(v, currency, locale=locale) for v in _MONEY_PROBES
        )

    def apply(self, value: Decimal) -> str:
        negative = int(value.is_signed())
        number = format(abs(value), self.spec).translate(self.marks)
        return f"{self.prefix[negative]}{number}{self.suffix[negative]}"


class Memo(dict[Any, str]):
    """Texts made by `make`, kept for keys met before; emptied when `size` keys are held."""

    def __init__(self, make: Callable[[Any], str], size: int = MEMO_SIZE) -> None:
        super().__init__()
        self.make = make
        self.size = size

    def __missing__(self, key: Any) -> str:
        if len(self) >= self.size:
            self.clear()
        text = self[key] = self.make(key)
        return text


class Formatter:
    """Formats export cells for one locale."""

    def __init__(self, locale: str = DEFAULT_LOCALE) -> None:
        self.locale = parse_locale(locale) or Locale.parse(DEFAULT_LOCALE)
        self.date = lru_cache(maxsize=4096)(self._date)
        self.clock = lru_cache(maxsize=2048)(self._clock)
        self._money_shapes: dict[str, _MoneyShape] = {}
        self._dates = Memo(lambda value: self.cell("date", value, None))
        # Keyed by the minute of the day: only the hour and minute are shown.
        self._clocks = Memo(lambda minute: self.clock(minute // 60, minute % 60))
        self._durations = Memo(format_duration)
        # Keyed by (amount, currency); zero amounts are formatted each time, since 0 and -0 are
        # equal keys but Babel writes them differently.
        self._amounts = Memo(lambda key: self.money(*key))

    def _date(self, value: date) -> str:
        return format_skeleton("yMd", value, locale=self.locale)

    def _clock(self, hour: int, minute: int) -> str:
        return format_time(datetime(2000, 1, 1, hour, minute), format="short", locale=self.locale)

    def time(self, value: datetime | None) -> str:
        return "" if value is None else self.clock(value.hour, value.minute)

    def money(self, value: Decimal | None, currency: str | None) -> str:
        if value is None:
            return ""
        if not currency:
            return self.number(value)
        shape = self._money_shapes.get(currency)
        if shape is None:
            shape = self._money_shapes[currency] = _MoneyShape(self.locale, currency)
        if shape.usable:
            return shape.apply(value if isinstance(value, Decimal) else Decimal(str(value)))
        return format_currency(value, currency, locale=self.locale)

    def number(self, value: Decimal | float | int | None) -> str:
        if value is None:
            return ""
        return format_decimal(value, format="#,##0.00", locale=self.locale)

    def boolean(self, value: bool | None) -> str:
        if value is None:
            return ""
        return "yes" if value else "no"

    def cell(self, kind: str, value: Any, currency: str | None) -> str:
        """The text of one cell of the given column kind."""
        if value is None:
            return ""
        if kind == "text":
            return str(value)
        if kind == "date":
            return self.date(value)
        if kind == "time":
            return self.time(value)
        if kind == "duration":
            return format_duration(value)
        if kind == "money":
            return self.money(value, currency)
        if kind == "bool":
            return self.boolean(value)
        return str(value)

    def column(self, kind: str, values: Sequence[Any], currencies: Sequence[str | None]) -> list[str]:
        """`cell` for every value of one column of a batch; `currencies[i]` is the currency of
        the record `values[i]` belongs to."""
        if kind == "text":
            return ["" if v is None else v if v.__class__ is str else str(v) for v in values]
        if kind == "date":
            return list(map(self._dates.__getitem__, values))
        if kind == "time":
            clocks = self._clocks
            return ["" if v is None else clocks[v.hour * 60 + v.minute] for v in values]
        if kind == "duration":
            return list(map(self._durations.__getitem__, values))
        if kind == "money":
            amounts, money = self._amounts, self.money
            return [
                "" if v is None else amounts[v, c] if v else money(v, c)
                for v, c in zip(values, currencies, strict=True)
            ]
        if kind == "bool":
            return ["" if v is None else "yes" if v else "no" for v in values]
        return ["" if v is None else str(v) for v in values]
