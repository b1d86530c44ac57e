"""Lockdown periods: relative date expressions (PHP's `new DateTime('first day of last month')`)
and the rule deciding whether a record's begin lies in a locked period (contract §6.8)."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from horae.api.wire import localize, zone

_UNITS = {
    "sec": "seconds",
    "secs": "seconds",
    "second": "seconds",
    "seconds": "seconds",
    "min": "minutes",
    "mins": "minutes",
    "minute": "minutes",
    "minutes": "minutes",
    "hour": "hours",
    "hours": "hours",
    "day": "days",
    "days": "days",
    "week": "weeks",
    "weeks": "weeks",
    "fortnight": "fortnights",
    "fortnights": "fortnights",
    "month": "months",
    "months": "months",
    "year": "years",
    "years": "years",
}
_WEEKDAYS = {name: index for index, name in enumerate(calendar.day_name)} | {
    name[:3]: index for index, name in enumerate(calendar.day_name)
}
_WEEKDAYS = {name.lower(): index for name, index in _WEEKDAYS.items()}
_MONTHS = {name.lower(): index for index, name in enumerate(calendar.month_name) if name} | {
    name.lower(): index for index, name in enumerate(calendar.month_abbr) if name
}
_RELATIVE_WORDS = {"this": 0, "next": 1, "last": -1, "previous": -1}
_TOKEN = re.compile(
    r"\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}(?::\d{2})?|[+-]\s*\d+|\d+|[a-z]+",
    re.IGNORECASE,
)


class RelativeDateError(ValueError):
    """An expression this parser does not understand (the rule is then skipped, as in Kimai)."""


@dataclass
class _Parsed:
    absolute_date: date | None = None
    absolute_time: time | None = None
    month: int | None = None
    year: int | None = None
    relative: dict[str, int] = field(default_factory=dict)
    first_last: str | None = None
    weekday: int | None = None
    # How the weekday moves the date: 0 = today or next, 1 = strictly next, -1 = strictly before,
    # ("week", n) = that weekday of the ISO week n weeks from now.
    weekday_mode: object = 0


def _add(parsed: _Parsed, unit: str, amount: int) -> None:
    name = _UNITS[unit]
    if name == "weeks":
        name, amount = "days", amount * 7
    elif name == "fortnights":
        name, amount = "days", amount * 14
    parsed.relative[name] = parsed.relative.get(name, 0) + amount


def _parse(expression: str) -> _Parsed:
    text = expression.strip().lower()
    if not text:
        raise RelativeDateError("empty expression")
    tokens = _TOKEN.findall(text)
    if "".join(tokens).replace(" ", "") != re.sub(r"\s+", "", text):
        raise RelativeDateError(f"cannot read {expression!r}")
    parsed = _Parsed()
    i = 0
    while i < len(tokens):
        token = tokens[i].replace(" ", "")
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", token):
            parsed.absolute_date = date.fromisoformat(token)
            parsed.absolute_time = parsed.absolute_time or time(0, 0)
        elif re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?", token):
            parts = [int(p) for p in token.split(":")]
            parsed.absolute_time = time(parts[0], parts[1], parts[2] if len(parts) > 2 else 0)
        elif re.fullmatch(r"[+-]?\d+", token):
            if following in _UNITS:
                _add(parsed, following, int(token))
                i += 1
            elif parsed.month is not None and len(token) == 4:
                parsed.year = int(token)
            else:
                raise RelativeDateError(f"a number without unit in {expression!r}")
        elif token in ("now",):
            pass
        elif token in ("today", "midnight"):
            parsed.absolute_time = time(0, 0)
        elif token == "noon":
            parsed.absolute_time = time(12, 0)
        elif token == "tomorrow":
            _add(parsed, "day", 1)
            parsed.absolute_time = time(0, 0)
        elif token == "yesterday":
            _add(parsed, "day", -1)
            parsed.absolute_time = time(0, 0)
        elif token == "ago":
            parsed.relative = {unit: -amount for unit, amount in parsed.relative.items()}
        elif token in ("first", "last") and tokens[i + 1 : i + 3] == ["day", "of"]:
            parsed.first_last = token
            i += 2
        elif token in _RELATIVE_WORDS and following is not None:
            amount = _RELATIVE_WORDS[token]
            if following in _UNITS:
                if following.startswith("week") and parsed.weekday is not None:
                    parsed.weekday_mode = ("week", amount)
                else:
                    _add(parsed, following, amount)
            elif following in _WEEKDAYS:
                parsed.weekday = _WEEKDAYS[following]
                parsed.weekday_mode = amount if amount else 0
                parsed.absolute_time = parsed.absolute_time or time(0, 0)
            else:
                raise RelativeDateError(f"cannot read {expression!r}")
            i += 1
        elif token in _WEEKDAYS:
            parsed.weekday = _WEEKDAYS[token]
            parsed.absolute_time = parsed.absolute_time or time(0, 0)
        elif token in _MONTHS:
            parsed.month = _MONTHS[token]
        else:
            raise RelativeDateError(f"cannot read {expression!r}")
        i += 1
    return parsed


def _add_months(day: date, months: int) -> date:
    # PHP lets the day overflow into the next month (Jan 31 + 1 month = Mar 3).
    total = day.year * 12 + (day.month - 1) + months
    year, month = divmod(total, 12)
    first = date(year, month + 1, 1)
    return first + timedelta(days=day.day - 1)


def relative_datetime(expression: str, now: datetime, timezone: str) -> datetime:
    """The instant an expression such as 'first day of last month 00:00:00' names, read in a zone."""
    parsed = _parse(expression)
    local = now.astimezone(zone(timezone)).replace(tzinfo=None)
    day = parsed.absolute_date or local.date()
    clock = parsed.absolute_time or local.time().replace(microsecond=0)
    if parsed.month is not None or parsed.year is not None:
        year = parsed.year if parsed.year is not None else day.year
        month = parsed.month if parsed.month is not None else day.month
        day = date(year, month, 1) + timedelta(days=day.day - 1)
    if parsed.first_last:
        day = day.replace(day=1)
    months = parsed.relative.get("months", 0) + 12 * parsed.relative.get("years", 0)
    if months:
        day = _add_months(day, months)
    if parsed.first_last == "last":
        day = day.replace(day=calendar.monthrange(day.year, day.month)[1])
    moment = datetime.combine(day, clock) + timedelta(
        days=parsed.relative.get("days", 0),
        hours=parsed.relative.get("hours", 0),
        minutes=parsed.relative.get("minutes", 0),
        seconds=parsed.relative.get("seconds", 0),
    )
    if parsed.weekday is not None:
        moment = _move_to_weekday(moment, parsed.weekday, parsed.weekday_mode)
    return localize(moment, timezone)


def _move_to_weekday(moment: datetime, target: int, mode: object) -> datetime:
    current = moment.weekday()
    if isinstance(mode, tuple):
        monday = moment - timedelta(days=current)
        return monday + timedelta(days=7 * int(mode[1]) + target)
    if mode == 1:
        return moment + timedelta(days=(target - current - 1) % 7 + 1)
    if mode == -1:
        return moment - timedelta(days=(current - target - 1) % 7 + 1)
    return moment + timedelta(days=(target - current) % 7)


def latest_of(expressions: str, now: datetime, timezone: str) -> datetime:
    """A comma list of expressions: the latest of their instants counts."""
    parts = [part for part in expressions.split(",") if part.strip()]
    if not parts:
        raise RelativeDateError("empty expression")
    return max(relative_datetime(part, now, timezone) for part in parts)


def modified(instant: datetime, modifier: str, timezone: str) -> datetime:
    """PHP's `$date->modify('+10 days')`: the modifier applied to an instant's wall time."""
    return relative_datetime(modifier, instant, timezone)


@dataclass(frozen=True)
class Lockdown:
    """The configured lockdown period; inactive unless both start and end are set."""

    start: str
    end: str
    grace: str
    timezone: str

    @property
    def active(self) -> bool:
        return bool(self.start.strip() and self.end.strip())

    def is_locked(
        self, begin: datetime | None, now: datetime, record_timezone: str, *, may_use_grace: bool
    ) -> bool:
        """Whether a record beginning at `begin` may not be written any more.

        Inside the latest period a record stays open until the period end plus the grace
        time, and after that for callers allowed to edit in the grace period. Older records
        are locked for everyone (the override permission is checked by the caller).
        """
        if not self.active or begin is None:
            return False
        timezone = self.timezone or record_timezone
        try:
            period_start = latest_of(self.start, now, timezone)
            period_end = latest_of(self.end, now, timezone)
            grace_end = modified(period_end, self.grace, timezone) if self.grace.strip() else period_end
        except (RelativeDateError, ValueError, OverflowError):
            return False
        if period_end < period_start:
            return False
        if begin > period_end:
            return False
        in_latest_period = period_start < begin < period_end
        return not (in_latest_period and (now < grace_end or may_use_grace))
