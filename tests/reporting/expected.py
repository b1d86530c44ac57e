"""Expected report figures, summed in Python straight from the created entries.

Nothing here reads the `date` column or any report code: the local date comes from each entry's
begin instant and timezone, so these sums check the reports independently.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from horae.reporting.sql import Totals
from tests.factories.reporting import Entry


def counted(
    entries: Iterable[Entry],
    *,
    users: Iterable[int] | None = None,
    begin: date | None = None,
    end: date | None = None,
    projects: Iterable[int] | None = None,
) -> list[Entry]:
    """The entries a report counts: stopped ones, optionally of some users, projects and dates."""
    user_set = set(users) if users is not None else None
    project_set = set(projects) if projects is not None else None
    return [
        e
        for e in entries
        if e.end is not None
        and (user_set is None or e.user_id in user_set)
        and (project_set is None or e.project_id in project_set)
        and (begin is None or e.local_date >= begin)
        and (end is None or e.local_date <= end)
    ]


def total(entries: Iterable[Entry]) -> dict[str, Any]:
    items = list(entries)
    return {
        "duration": sum(e.duration for e in items),
        "billable_duration": sum(e.duration for e in items if e.billable),
        "rate": sum((e.rate for e in items), Decimal(0)),
        "billable_rate": sum((e.rate for e in items if e.billable), Decimal(0)),
        "internal_rate": sum((e.internal_rate or Decimal(0) for e in items), Decimal(0)),
    }


def grouped(entries: Iterable[Entry], key: Callable[[Entry], Hashable]) -> dict[Hashable, dict[str, Any]]:
    groups: dict[Hashable, list[Entry]] = {}
    for entry in entries:
        groups.setdefault(key(entry), []).append(entry)
    return {k: total(v) for k, v in groups.items()}


def as_dict(totals: Totals) -> dict[str, Any]:
    return {
        "duration": totals.duration,
        "billable_duration": totals.billable_duration,
        "rate": totals.rate,
        "billable_rate": totals.billable_rate,
        "internal_rate": totals.internal_rate,
    }


def shown(expected: dict[Any, Any], show_rates: bool) -> dict[Any, Any]:
    """Expected figures as a viewer without rate permission sees them: money left out."""
    if show_rates:
        return expected
    hidden = {"rate": None, "billable_rate": None, "internal_rate": None}
    if "duration" in expected:
        return {**expected, **hidden}
    return {key: {**value, **hidden} for key, value in expected.items()}


def month_key(day: date) -> int:
    return day.year * 100 + day.month
