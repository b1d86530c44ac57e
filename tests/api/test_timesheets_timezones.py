"""Datetimes across timezones and daylight-saving changes (contract TIMESHEETS §1.1, §1.3, §6.2).

Input is local wall time in the form's zone; a time in a spring-forward gap moves forward, an
ambiguous fall-back time is its first (summer) occurrence; durations are elapsed seconds;
output offsets follow DST at each instant.
"""

from __future__ import annotations

import pytest


def create(user, work, begin: str, end: str | None = None, **extra):
    body = {"project": work.project.id, "activity": work.activity.id, "begin": begin, **extra}
    if end is not None:
        body["end"] = end
    with user.client() as client:
        response = client.post("/api/timesheets", json=body)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize(
    ("timezone", "begin", "end", "expected_begin", "expected_end", "duration"),
    [
        # Berlin springs forward at 02:00 and falls back at 03:00.
        ("Europe/Berlin", "2024-03-31T01:00:00", "2024-03-31T04:00:00",
         "2024-03-31T01:00:00+0100", "2024-03-31T04:00:00+0200", 7200),
        ("Europe/Berlin", "2024-10-27T01:00:00", "2024-10-27T04:00:00",
         "2024-10-27T01:00:00+0200", "2024-10-27T04:00:00+0100", 14400),
        ("Europe/Berlin", "2024-01-15T09:00:00", "2024-07-15T09:00:00",
         "2024-01-15T09:00:00+0100", "2024-07-15T09:00:00+0200", 182 * 86400 - 3600),
        # São Paulo's last DST: from 2018-11-04 00:00 to 2019-02-17 00:00.
        ("America/Sao_Paulo", "2018-11-03T22:00:00", "2018-11-04T02:00:00",
         "2018-11-03T22:00:00-0300", "2018-11-04T02:00:00-0200", 10800),
        ("America/Sao_Paulo", "2019-02-16T22:00:00", "2019-02-17T01:00:00",
         "2019-02-16T22:00:00-0200", "2019-02-17T01:00:00-0300", 14400),
        # Lord Howe moves by half an hour: +1100 in summer, +1030 in winter.
        ("Australia/Lord_Howe", "2024-04-07T01:00:00", "2024-04-07T03:00:00",
         "2024-04-07T01:00:00+1100", "2024-04-07T03:00:00+1030", 9000),
        ("Australia/Lord_Howe", "2024-10-06T01:00:00", "2024-10-06T03:00:00",
         "2024-10-06T01:00:00+1030", "2024-10-06T03:00:00+1100", 5400),
    ],
)  # fmt: skip
def test_a_record_spanning_a_change_renders_both_offsets_and_counts_elapsed_time(
    make_user, catalog, timezone, begin, end, expected_begin, expected_end, duration
):
    user = make_user(timezone=timezone)
    body = create(user, catalog.work(), begin, end)
    assert (body["begin"], body["end"], body["duration"]) == (expected_begin, expected_end, duration)


@pytest.mark.parametrize(
    ("timezone", "wall", "rendered"),
    [
        ("Europe/Berlin", "2024-03-31T02:30:00", "2024-03-31T03:30:00+0200"),
        ("America/Sao_Paulo", "2018-11-04T00:30:00", "2018-11-04T01:30:00-0200"),
        ("Australia/Lord_Howe", "2024-10-06T02:15:00", "2024-10-06T02:45:00+1100"),
    ],
)
def test_a_time_in_the_spring_forward_gap_moves_forward(make_user, catalog, timezone, wall, rendered):
    user = make_user(timezone=timezone)
    body = create(user, catalog.work(), wall, wall)
    assert body["begin"] == rendered


@pytest.mark.parametrize(
    ("timezone", "wall", "rendered"),
    [
        ("Europe/Berlin", "2024-10-27T02:30:00", "2024-10-27T02:30:00+0200"),
        ("America/Sao_Paulo", "2019-02-16T23:30:00", "2019-02-16T23:30:00-0200"),
        ("Australia/Lord_Howe", "2024-04-07T01:45:00", "2024-04-07T01:45:00+1100"),
    ],
)
def test_an_ambiguous_time_is_its_first_occurrence(make_user, catalog, timezone, wall, rendered):
    user = make_user(timezone=timezone)
    body = create(user, catalog.work(), wall, wall)
    assert body["begin"] == rendered


def test_a_record_renders_in_its_own_timezone_for_any_caller(make_user, catalog):
    owner = make_user(timezone="Australia/Lord_Howe")
    admin = make_user("ROLE_ADMIN", timezone="America/Sao_Paulo")
    body = create(owner, catalog.work(), "2024-07-01T09:00:00", "2024-07-01T10:00:00")
    with admin.client() as client:
        seen = client.get(f"/api/timesheets/{body['id']}").json()
    assert (seen["begin"], seen["end"]) == ("2024-07-01T09:00:00+1030", "2024-07-01T10:00:00+1030")


def test_rounding_is_aligned_to_utc_in_half_hour_zones(make_user, catalog):
    user = make_user(timezone="Australia/Lord_Howe")
    catalog.setting("timesheet.rounding.default.begin", "60")
    catalog.setting("timesheet.rounding.default.end", "60")
    body = create(user, catalog.work(), "2024-07-01T09:20:00", "2024-07-01T10:10:00")
    assert (body["begin"], body["end"]) == ("2024-07-01T08:30:00+1030", "2024-07-01T10:30:00+1030")


def test_list_filters_are_read_in_the_callers_zone_across_dst(make_user, catalog):
    user = make_user(timezone="Europe/Berlin")
    work = catalog.work()
    summer = create(user, work, "2024-10-27T02:30:00", "2024-10-27T02:45:00")
    winter = create(user, work, "2024-10-27T03:30:00", "2024-10-27T03:45:00")
    with user.client() as client:
        rows = client.get("/api/timesheets", params={"begin": "2024-10-27T02:30:00", "order": "ASC"}).json()
        assert [row["id"] for row in rows] == [summer["id"], winter["id"]]
        rows = client.get("/api/timesheets", params={"end": "2024-10-27T02:30:00"}).json()
        assert [row["id"] for row in rows] == [summer["id"]]


def test_a_patch_reads_the_wall_time_in_the_records_zone(make_user, catalog):
    owner = make_user(timezone="America/Sao_Paulo")
    admin = make_user("ROLE_ADMIN", timezone="Europe/Berlin")
    body = create(owner, catalog.work(), "2024-07-01T09:00:00", "2024-07-01T10:00:00")
    with admin.client() as client:
        changed = client.patch(f"/api/timesheets/{body['id']}", json={"end": "2024-07-01T12:00:00"}).json()
    assert changed["end"] == "2024-07-01T12:00:00-0300"
    assert changed["duration"] == 3 * 3600


def test_rounding_weekday_is_the_end_weekday_in_the_records_zone(make_user, catalog):
    user = make_user(timezone="Australia/Lord_Howe")
    catalog.setting("timesheet.rounding.default.days", "monday")
    catalog.setting("timesheet.rounding.default.end", "15")
    # Monday 00:05 in Lord Howe is still Sunday in UTC; the local weekday counts.
    body = create(user, catalog.work(), "2024-07-01T00:00:00", "2024-07-01T00:05:00")
    assert body["end"] == "2024-07-01T00:15:00+1030"
