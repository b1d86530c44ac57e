"""`db.UTCDateTime`: instants stored as naive UTC, bound on SQLite in one step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import DateTime, select
from sqlalchemy.dialects import mysql, postgresql, sqlite

from horae.db import UTCDateTime
from horae.timesheets.models import Timesheet

INSTANTS = [
    None,
    datetime(2026, 11, 30, 0, 0, tzinfo=UTC),
    datetime(2026, 11, 29, 23, 59, 59, 999_999, tzinfo=UTC),
    datetime(2026, 3, 29, 1, 30, 15, 250, tzinfo=ZoneInfo("Europe/Berlin")),
    datetime(2026, 10, 25, 2, 30, tzinfo=ZoneInfo("Europe/Berlin")),
    datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=ZoneInfo("Europe/Berlin")),
    datetime(2019, 4, 20, 14, 0, 7, tzinfo=timezone(timedelta(hours=5, minutes=30))),
    datetime(2020, 2, 29, 23, 0, tzinfo=timezone(timedelta(hours=-8))),
    datetime(1, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=2))),
    datetime(9999, 12, 31, 10, 0, 0, 1, tzinfo=timezone(timedelta(hours=-3))),
    datetime(1970, 1, 1, tzinfo=UTC),
]


@pytest.mark.parametrize("value", INSTANTS)
def test_sqlite_binds_an_instant_as_the_two_steps_did(value):
    """The one-step processor gives the text `process_bind_param` and SQLite's DATETIME
    processor give one after the other: the stored format every comparison in SQL relies on."""
    dialect = sqlite.dialect()
    kind = UTCDateTime()
    two_steps = DateTime().dialect_impl(dialect).bind_processor(dialect)
    assert two_steps is not None
    expected = two_steps(kind.process_bind_param(value, dialect))
    assert kind.bind_processor(dialect)(value) == expected
    if value is not None:
        assert expected.endswith(".000000")


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect(), mysql.dialect()])
def test_a_naive_datetime_is_refused_on_every_backend(dialect):
    bind = UTCDateTime().bind_processor(dialect)
    naive = datetime(2026, 11, 30, 9, 0)
    with pytest.raises(ValueError, match="naive"):
        bind(naive) if bind is not None else UTCDateTime().process_bind_param(naive, dialect)


def test_the_other_backends_keep_the_decorators_own_processing():
    for dialect in (postgresql.dialect(), mysql.dialect()):
        bind = UTCDateTime().bind_processor(dialect)
        value = datetime(2026, 11, 30, 9, 0, 30, 500, tzinfo=ZoneInfo("Europe/Berlin"))
        processed = bind(value) if bind is not None else UTCDateTime().process_bind_param(value, dialect)
        assert processed == datetime(2026, 11, 30, 8, 0, 30)


def test_an_instant_bound_in_one_step_finds_the_stored_rows(backend, make_user, catalog, timesheets):
    """Stored and bound the same way on every backend: a range of begins finds its record."""
    user = make_user()
    begin = datetime(2026, 11, 29, 22, 15, 40, tzinfo=UTC)
    record = timesheets.create(user, catalog.work(), begin, begin + timedelta(hours=1))
    berlin = begin.astimezone(ZoneInfo("Europe/Berlin"))
    with backend.db.session(write=False) as session:
        found = session.scalars(
            select(Timesheet.id).where(
                Timesheet.user_id == user.id,
                Timesheet.begin >= berlin,
                Timesheet.begin < berlin + timedelta(seconds=1),
            )
        ).all()
        later = session.scalars(
            select(Timesheet.id).where(Timesheet.user_id == user.id, Timesheet.begin > berlin)
        ).all()
    assert found == [record.id]
    assert later == []
