"""Cell text in the exporting user's locale (Babel): dates, times, numbers and money.

Dates use the locale's numeric pattern with a four-digit year (`yMd`: 3/31/2024, 31.3.2024),
times its short pattern (2:30 PM, 14:30), money its currency pattern with the record's currency
(€1,234.50, 1.234,50 €). Durations are hours and minutes (7:05) in every locale, as Kimai
writes them. Patterns are looked up once per export and values cached where they repeat.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton, format_time
from babel.numbers import format_currency, format_decimal

from horae.users.models import User

DEFAULT_LOCALE = "en"


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


class Formatter:
    """Formats export cells for one locale."""

    def __init__(self, locale: str = DEFAULT_LOCALE) -> None:
        self.locale = parse_locale(locale) or Locale.parse(DEFAULT_LOCALE)
        self.date = lru_cache(maxsize=4096)(self._date)
        self.clock = lru_cache(maxsize=2048)(self._clock)

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
