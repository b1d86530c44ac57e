"""Kimai's wire formats for values: datetimes, money, colours."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

DEFAULT_GREY = "#d2d6de"
SAFE_PALETTE = (
    "#AAAAAA #DDDDDD #a972c9 #9C27B0 #673AB7 #041fd1 #5319e7 #3F51B5 #0074D9 #2196F3 #03A9F4 "
    "#7FDBFF #39CCCC #00BCD4 #006b75 #009688 #00bb32 #4CAF50 #3D9970 #2ECC40 #01FF70 #8BC34A "
    "#CDDC39 #FFDC00 #FFC107 #FF851B #FF9800 #FF5722 #f41a00 #E91E63 #85144b #b60205 #FF4136 "
    "#cc317c #F012BE #d82d80 #B10DC9 #e135f4 #2d3748 #4a5568 #718096"
).split()


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def format_datetime(value: datetime | None, timezone: str) -> str | None:
    """ISO 8601 in the given zone, offset without a colon: 2020-03-27T14:35:00+1300."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone(timezone)).strftime("%Y-%m-%dT%H:%M:%S%z")


def format_date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def money(value: Decimal | float | int | None) -> float | None:
    return None if value is None else float(value)


def output_color(color: str | None) -> str | None:
    if not color or color.lower() == DEFAULT_GREY:
        return None
    return color


def color_safe(color: str | None, name: str) -> str:
    """The colour to draw a record with: its own, or one picked from its name."""
    own = output_color(color)
    if own:
        return own
    # The sum of the name's ASCII bytes (its UTF-8 bytes below 0x80).
    total = sum(name.encode("ascii", "ignore"))
    return SAFE_PALETTE[total % len(SAFE_PALETTE)]


_LOCAL_DATETIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?"
    # What PHP's parser also accepts after the time: an offset or Z (read, then ignored).
    r"\s*(?:Z|UTC|[+-]\d{2}(?::?\d{2})?)?$",
    re.IGNORECASE,
)
_STRICT_DATETIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$")


def localize(naive: datetime, timezone: str) -> datetime:
    """Reads a wall-clock time in a zone. A time in a spring-forward gap moves forward (02:30 →
    03:30), an ambiguous fall-back time takes its first (summer) occurrence, as PHP does."""
    return naive.replace(tzinfo=zone(timezone), fold=0).astimezone(UTC)


def parse_local_datetime(value: str, timezone: str) -> datetime | None:
    """An HTML5 local datetime from a form field; a trailing offset is ignored (wall time counts).

    Returns None when the value does not match or names an impossible date.
    """
    match = _LOCAL_DATETIME.match(value.strip())
    if not match:
        return None
    year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
    try:
        naive = datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None
    return _storable(naive, timezone)


def parse_strict_datetime(value: str, timezone: str) -> datetime | None:
    """A query parameter datetime: exactly YYYY-MM-DDTHH:MM:SS, read in the given zone."""
    match = _STRICT_DATETIME.match(value)
    if not match:
        return None
    try:
        year, month, day, hour, minute, second = (int(g) for g in match.groups())
        naive = datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None
    return _storable(naive, timezone)


def _storable(naive: datetime, timezone: str) -> datetime | None:
    # Years every backend stores (MariaDB: 1000-9999) and zone arithmetic cannot overflow.
    if not 1000 <= naive.year <= 9998:
        return None
    return localize(naive, timezone)
