"""Lockdown periods and the relative date expressions that configure them (contract §6.8)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from horae.timesheets.lockdown import Lockdown, RelativeDateError, latest_of, relative_datetime

NOW = datetime(2024, 3, 15, 10, 30, tzinfo=UTC)  # a Friday; 11:30 in Berlin


def berlin(expression: str) -> str:
    moment = relative_datetime(expression, NOW, "Europe/Berlin")
    return moment.astimezone(ZoneInfo("Europe/Berlin")).strftime("%Y-%m-%d %H:%M:%S")


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("first day of last month 00:00:00", "2024-02-01 00:00:00"),
        ("last day of last month 23:59:59", "2024-02-29 23:59:59"),
        ("first day of this month", "2024-03-01 11:30:00"),
        ("last day of previous month", "2024-02-29 11:30:00"),
        ("today", "2024-03-15 00:00:00"),
        ("yesterday 12:00", "2024-03-14 12:00:00"),
        ("+10 days", "2024-03-25 11:30:00"),
        ("2 weeks ago", "2024-03-01 11:30:00"),
        ("-1 month", "2024-02-15 11:30:00"),
        ("monday this week", "2024-03-11 00:00:00"),
        ("sunday last week", "2024-03-10 00:00:00"),
        ("last monday", "2024-03-11 00:00:00"),
        ("next friday", "2024-03-22 00:00:00"),
        ("first day of january this year", "2024-01-01 11:30:00"),
        ("2024-01-05 08:00", "2024-01-05 08:00:00"),
    ],
)
def test_relative_expressions(expression, expected):
    assert berlin(expression) == expected


def test_unknown_words_are_refused():
    with pytest.raises(RelativeDateError):
        relative_datetime("the day after the party", NOW, "UTC")


def test_the_latest_expression_of_a_list_counts():
    assert latest_of("first day of last month, -3 days", NOW, "UTC") == datetime(
        2024, 3, 12, 10, 30, tzinfo=UTC
    )


LAST_MONTH = Lockdown(
    "first day of last month 00:00:00", "last day of last month 23:59:59", "", "Europe/Berlin"
)


def test_records_before_the_end_of_the_period_are_locked():
    assert LAST_MONTH.is_locked(datetime(2024, 2, 10, tzinfo=UTC), NOW, "UTC", may_use_grace=False)
    assert LAST_MONTH.is_locked(datetime(2023, 12, 10, tzinfo=UTC), NOW, "UTC", may_use_grace=False)
    assert not LAST_MONTH.is_locked(datetime(2024, 3, 10, tzinfo=UTC), NOW, "UTC", may_use_grace=False)


def test_grace_opens_only_the_latest_period():
    graced = Lockdown(LAST_MONTH.start, LAST_MONTH.end, "+20 days", "Europe/Berlin")
    assert not graced.is_locked(datetime(2024, 2, 10, tzinfo=UTC), NOW, "UTC", may_use_grace=False)
    assert graced.is_locked(datetime(2024, 1, 10, tzinfo=UTC), NOW, "UTC", may_use_grace=False)
    assert not LAST_MONTH.is_locked(datetime(2024, 2, 10, tzinfo=UTC), NOW, "UTC", may_use_grace=True)
    assert LAST_MONTH.is_locked(datetime(2024, 1, 10, tzinfo=UTC), NOW, "UTC", may_use_grace=True)


def test_an_incomplete_or_broken_setup_locks_nothing():
    begin = datetime(2024, 2, 10, tzinfo=UTC)
    assert not Lockdown("", LAST_MONTH.end, "", "").is_locked(begin, NOW, "UTC", may_use_grace=False)
    assert not Lockdown("tomorrow", "yesterday", "", "").is_locked(begin, NOW, "UTC", may_use_grace=False)
    assert not Lockdown("gibberish", "more gibberish", "", "").is_locked(
        begin, NOW, "UTC", may_use_grace=False
    )
