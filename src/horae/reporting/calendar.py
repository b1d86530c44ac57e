"""Report periods as ranges of local dates, and how weeks are numbered.

A report never converts instants: it reads each entry's stored local date (the `date` column,
begin's calendar date in the entry's own timezone). Periods are therefore plain date ranges, and a
week starts on the viewer's first weekday (Kimai's `first_weekday` preference, Monday by default).
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta

from horae.users.models import User

FIRST_WEEKDAYS = ("monday", "sunday")
PERIOD_KINDS = ("week", "month", "year")


@dataclass(frozen=True)
class Period:
    """An inclusive range of local dates: one week, month or year."""

    kind: str
    begin: date
    end: date

    def days(self) -> list[date]:
        return [self.begin + timedelta(days=n) for n in range((self.end - self.begin).days + 1)]

    def months(self) -> list[int]:
        """The months touched by the period, as yyyymm numbers (202403)."""
        result: list[int] = []
        year, month = self.begin.year, self.begin.month
        while (year, month) <= (self.end.year, self.end.month):
            result.append(year * 100 + month)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return result


def first_weekday_of(user: User) -> str:
    value = user.preference("first_weekday")
    return value if value in FIRST_WEEKDAYS else "monday"


def week_of(day: date, first_weekday: str = "monday") -> Period:
    # isoweekday: Monday 1 … Sunday 7; a Sunday week starts on the Sunday before (or on) the day.
    back = day.isoweekday() - 1 if first_weekday == "monday" else day.isoweekday() % 7
    begin = day - timedelta(days=back)
    return Period("week", begin, begin + timedelta(days=6))


def month_of(day: date) -> Period:
    last = monthrange(day.year, day.month)[1]
    return Period("month", day.replace(day=1), day.replace(day=last))


def year_of(day: date) -> Period:
    return Period("year", date(day.year, 1, 1), date(day.year, 12, 31))


def period_of(kind: str, day: date, first_weekday: str = "monday") -> Period:
    if kind == "week":
        return week_of(day, first_weekday)
    if kind == "month":
        return month_of(day)
    if kind == "year":
        return year_of(day)
    raise ValueError(f"unknown period {kind!r}")


def week_number(day: date, first_weekday: str = "monday") -> int:
    """ISO 8601 week number for Monday weeks; for Sunday weeks the US rule (the week holding
    1 January is week 1), as calendars that start on Sunday number them."""
    if first_weekday == "monday":
        return day.isocalendar().week
    jan1 = date(day.year, 1, 1)
    offset = jan1.isoweekday() % 7  # days between the Sunday that opens week 1 and 1 January
    return (day.timetuple().tm_yday - 1 + offset) // 7 + 1
