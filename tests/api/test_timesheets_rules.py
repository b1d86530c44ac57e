"""Kimai's business rules through the API: tracking modes, rounding, breaks, billable, rates,
the active-entries limit, validation, lockdown and budgets (contract TIMESHEETS §6)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from horae.security.permissions import permission_matrix
from horae.users.models import Role, RolePermission
from tests.api.test_timesheets import html5, iso, new_body, yesterday_at
from tests.factories.timesheets import local


def deny(backend, role: str, *permissions: str) -> None:
    with backend.db.session() as session:
        stored = Role(name=role)
        session.add(stored)
        session.flush()
        for permission in permissions:
            session.add(RolePermission(role_id=stored.id, permission=permission, allowed=False))
    permission_matrix.invalidate()


def post(user, body, **params):
    with user.client() as client:
        return client.post("/api/timesheets", json=body, params=params)


def global_errors(response) -> list[str]:
    assert response.status_code == 400, response.text
    return response.json()["errors"].get("errors", [])


def field_errors(response) -> dict[str, list[str]]:
    assert response.status_code == 400, response.text
    return {k: v["errors"] for k, v in response.json()["errors"]["children"].items() if v}


# --- tracking modes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "role", "allowed"),
    [
        ("duration_fixed_begin", None, False),
        ("duration_fixed_begin", "ROLE_TEAMLEAD", True),
        ("duration_fixed_begin", "ROLE_ADMIN", True),
        ("punch", None, False),
        ("punch", "ROLE_ADMIN", True),
        ("punch", "ROLE_SUPER_ADMIN", True),
        ("default", None, True),
        ("duration_only", None, True),
    ],
)
def test_tracking_mode_decides_whether_begin_and_end_are_fields(make_user, catalog, mode, role, allowed):
    user = make_user(role)
    catalog.setting("timesheet.mode", mode)
    response = post(user, new_body(catalog.work(), yesterday_at(8), yesterday_at(9)))
    if allowed:
        assert response.status_code == 200
    else:
        assert global_errors(response) == ["This form should not contain extra fields."]
        assert "begin" not in response.json()["errors"]["children"]


def test_punch_mode_starts_now_without_begin_and_end(make_user, catalog):
    user = make_user()
    catalog.setting("timesheet.mode", "punch")
    before = datetime.now(UTC).replace(microsecond=0)
    body = post(user, new_body(catalog.work())).json()
    begin = datetime.strptime(body["begin"], "%Y-%m-%dT%H:%M:%S%z")
    assert before <= begin <= datetime.now(UTC)
    assert body["end"] is None


def test_duration_fixed_begin_mode_starts_today_at_the_default_begin(make_user, catalog):
    user = make_user(timezone="Europe/Berlin")
    catalog.setting("timesheet.mode", "duration_fixed_begin")
    catalog.setting("timesheet.default_begin", "08:00")
    body = post(user, new_body(catalog.work())).json()
    today = datetime.now(UTC).astimezone(local("2024-01-01T00:00:00").tzinfo).date()
    assert body["begin"] == iso(local(f"{today.isoformat()}T08:00:00"))


def test_duration_only_mode_begins_at_the_default_begin_and_keeps_times_editable(make_user, catalog):
    user = make_user(timezone="Europe/Berlin")
    catalog.setting("timesheet.mode", "duration_only")
    catalog.setting("timesheet.default_begin", "07:30")
    body = post(user, new_body(catalog.work())).json()
    today = datetime.now(UTC).astimezone(local("2024-01-01T00:00:00").tzinfo).date()
    assert body["begin"] == iso(local(f"{today.isoformat()}T07:30:00"))
    edited = post(user, new_body(catalog.work(), yesterday_at(8), yesterday_at(9))).json()
    assert edited["duration"] == 3600


def test_legacy_query_presets_fill_begin_and_end(make_user, catalog):
    user = make_user(timezone="Europe/Berlin")
    body = post(user, new_body(catalog.work()), begin="2024-05-01", end="2024-05-02").json()
    assert (body["begin"], body["end"]) == ("2024-05-01T10:00:00+0200", "2024-05-02T18:00:00+0200")
    presets = {"from": "2024-05-03T08:00:00", "to": "2024-05-03T09:00:00"}
    body = post(user, new_body(catalog.work()), **presets).json()
    assert (body["begin"], body["end"], body["duration"]) == (
        "2024-05-03T08:00:00+0200",
        "2024-05-03T09:00:00+0200",
        3600,
    )
    explicit = new_body(catalog.work(), yesterday_at(8), yesterday_at(9))
    overridden = post(user, explicit, begin="2024-05-01").json()
    assert overridden["begin"] == iso(yesterday_at(8))


def test_config_endpoint_reports_the_tracking_settings(make_user, catalog):
    catalog.setting("timesheet.mode", "punch")
    catalog.setting("timesheet.active_entries.hard_limit", "3")
    catalog.setting("timesheet.rules.allow_future_times", "0")
    with make_user().client() as client:
        assert client.get("/api/config/timesheet").json() == {
            "trackingMode": "punch",
            "defaultBeginTime": "now",
            "activeEntriesHardLimit": 3,
            "isAllowFutureTimes": False,
            "isAllowOverlapping": True,
        }


# --- rounding and breaks ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "begin", "end", "duration"),
    [
        ("default", "09:00:00", "10:15:00", 4500),
        ("floor", "09:00:00", "10:00:00", 3600),
        ("ceil", "09:15:00", "10:15:00", 3600),
        ("closest", "09:00:00", "10:15:00", 4500),
    ],
)
def test_rounding_modes_apply_to_begin_end_and_duration(make_user, catalog, mode, begin, end, duration):
    user = make_user()
    catalog.setting("timesheet.rounding.default.mode", mode)
    catalog.setting("timesheet.rounding.default.begin", "15")
    catalog.setting("timesheet.rounding.default.end", "15")
    body = post(user, new_body(catalog.work(), yesterday_at(9, 7), yesterday_at(10, 8))).json()
    day = yesterday_at(0).date().isoformat()
    assert body["begin"] == iso(local(f"{day}T{begin}"))
    assert body["end"] == iso(local(f"{day}T{end}"))
    assert body["duration"] == duration


def test_duration_rounding_and_weekday_selection(make_user, catalog):
    user = make_user()
    catalog.setting("timesheet.rounding.default.duration", "30")
    body = post(user, new_body(catalog.work(), yesterday_at(9), yesterday_at(9, 40))).json()
    assert body["duration"] == 3600
    weekday = yesterday_at(9).strftime("%A").lower()
    others = [
        d
        for d in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        if d != weekday
    ]
    catalog.setting("timesheet.rounding.default.days", ",".join(others))
    body = post(user, new_body(catalog.work(), yesterday_at(11, 0, 30), yesterday_at(11, 40, 10))).json()
    assert body["duration"] == 2380
    assert body["begin"] == iso(yesterday_at(11, 0, 30))


def test_break_is_a_duration_string_subtracted_from_the_duration(make_user, catalog):
    user = make_user()
    work = catalog.work()
    refused = post(user, new_body(work, yesterday_at(8), yesterday_at(12), **{"break": "1:30"}))
    assert global_errors(refused) == ["This form should not contain extra fields."]
    catalog.setting("timesheet.rules.break_time_active", "1")
    body = post(user, new_body(work, yesterday_at(8), yesterday_at(12), **{"break": "1:30"})).json()
    assert (body["break"], body["duration"]) == (5400, 9000)
    body = post(user, new_body(work, yesterday_at(13), yesterday_at(14), **{"break": "0.5"})).json()
    assert (body["break"], body["duration"]) == (1800, 1800)


def test_a_break_longer_than_the_record_is_a_negative_duration(make_user, catalog):
    user = make_user()
    catalog.setting("timesheet.rules.break_time_active", "1")
    response = post(user, new_body(catalog.work(), yesterday_at(8), yesterday_at(9), **{"break": "2h"}))
    assert "Duration cannot be negative." in global_errors(response)


# --- billable -----------------------------------------------------------------------------------


def test_billable_is_computed_from_activity_project_and_customer(make_user, catalog):
    teamlead = make_user("ROLE_TEAMLEAD")
    work = catalog.work(billable=False)
    assert post(teamlead, new_body(work, yesterday_at(8), yesterday_at(9))).json()["billable"] is False
    explicit = post(teamlead, new_body(work, yesterday_at(10), yesterday_at(11), billable=True)).json()
    assert explicit["billable"] is True


def test_billable_follows_the_one_boolean_rule(make_user, catalog):
    teamlead = make_user("ROLE_TEAMLEAD")
    work = catalog.work()
    assert (
        post(teamlead, new_body(work, yesterday_at(8), yesterday_at(9), billable=False)).json()["billable"]
        is False
    )
    assert (
        post(teamlead, new_body(work, yesterday_at(9), yesterday_at(10), billable=None)).json()["billable"]
        is True
    )
    assert (
        post(teamlead, new_body(work, yesterday_at(10), yesterday_at(11), billable=0)).json()["billable"]
        is True
    )
    assert (
        post(teamlead, new_body(work, yesterday_at(11), yesterday_at(12), exported=None)).json()["exported"]
        is True
    )
    refused = post(teamlead, new_body(work, yesterday_at(12), yesterday_at(13), billable=[1]))
    assert field_errors(refused) == {"billable": ["The checkbox has an invalid value."]}


def test_changing_the_project_without_rates_switches_billable_back_to_automatic(
    make_user, catalog, timesheets
):
    teamlead = make_user("ROLE_TEAMLEAD")
    billable_work, unbillable_work = catalog.work(), catalog.work(billable=False)
    record = timesheets.create(teamlead, billable_work, yesterday_at(8), yesterday_at(9), billable=True)
    with teamlead.client() as client:
        body = client.patch(
            f"/api/timesheets/{record.id}",
            json={
                "project": unbillable_work.project.id,
                "activity": unbillable_work.activity.id,
                "billable": True,
            },
        ).json()
        assert body["billable"] is False
        kept = client.patch(f"/api/timesheets/{record.id}", json={"description": "x"}).json()
    assert kept["billable"] is False


# --- rates --------------------------------------------------------------------------------------


def test_hourly_rate_preference_is_the_fallback(make_user, catalog):
    admin = make_user("ROLE_ADMIN")
    catalog.preference(admin, "hourly_rate", "80")
    body = post(admin, new_body(catalog.work(), yesterday_at(8), yesterday_at(9, 30))).json()
    assert (body["hourlyRate"], body["rate"], body["internalRate"], body["fixedRate"]) == (
        80.0,
        120.0,
        120.0,
        None,
    )


def test_internal_rate_preference_prices_the_internal_rate(make_user, catalog):
    admin = make_user("ROLE_ADMIN")
    catalog.preference(admin, "hourly_rate", "80")
    catalog.preference(admin, "internal_rate", "40")
    body = post(admin, new_body(catalog.work(), yesterday_at(8), yesterday_at(10))).json()
    assert (body["rate"], body["internalRate"]) == (160.0, 80.0)


def test_rate_precedence_activity_beats_user_specific_project_beats_generic(make_user, catalog):
    admin = make_user("ROLE_ADMIN")
    work = catalog.work()
    catalog.preference(admin, "hourly_rate", "10")
    catalog.rate(work.customer, "20")
    assert post(admin, new_body(work, yesterday_at(1), yesterday_at(2))).json()["hourlyRate"] == 20.0
    catalog.rate(work.project, "30")
    assert post(admin, new_body(work, yesterday_at(2), yesterday_at(3))).json()["hourlyRate"] == 30.0
    catalog.rate(work.project, "40", user=admin)
    assert post(admin, new_body(work, yesterday_at(3), yesterday_at(4))).json()["hourlyRate"] == 40.0
    catalog.rate(work.activity, "50")
    assert post(admin, new_body(work, yesterday_at(4), yesterday_at(5))).json()["hourlyRate"] == 50.0
    catalog.rate(work.activity, "60", user=admin)
    assert post(admin, new_body(work, yesterday_at(5), yesterday_at(6))).json()["hourlyRate"] == 60.0


def test_a_rate_for_another_user_does_not_apply(make_user, catalog):
    admin = make_user("ROLE_ADMIN")
    work = catalog.work()
    catalog.rate(work.activity, "99", user=make_user())
    assert post(admin, new_body(work, yesterday_at(1), yesterday_at(2))).json()["hourlyRate"] == 0.0


def test_configured_internal_rate_is_used(make_user, catalog):
    admin = make_user("ROLE_ADMIN")
    work = catalog.work()
    catalog.rate(work.project, "100", internal="60")
    body = post(admin, new_body(work, yesterday_at(1), yesterday_at(3))).json()
    assert (body["rate"], body["internalRate"]) == (200.0, 120.0)


def test_a_fixed_configured_rate_wins_even_over_a_sent_hourly_rate(make_user, catalog):
    admin = make_user("ROLE_ADMIN")
    work = catalog.work()
    catalog.rate(work.activity, "500", fixed=True, internal="300")
    body = post(admin, new_body(work, yesterday_at(1), yesterday_at(5), hourlyRate=10)).json()
    assert (body["fixedRate"], body["rate"], body["internalRate"], body["hourlyRate"]) == (
        500.0,
        500.0,
        300.0,
        10.0,
    )


def test_sent_rates_win_and_rate_is_recalculated_on_every_save(make_user, catalog, timesheets):
    admin = make_user("ROLE_ADMIN")
    work = catalog.work()
    catalog.rate(work.activity, "50")
    body = post(admin, new_body(work, yesterday_at(1), yesterday_at(2), hourlyRate="127")).json()
    assert (body["hourlyRate"], body["rate"]) == (127.0, 127.0)
    with admin.client() as client:
        longer = client.patch(f"/api/timesheets/{body['id']}", json={"end": html5(yesterday_at(3))}).json()
    assert (longer["hourlyRate"], longer["rate"]) == (127.0, 254.0)
    fixed = post(
        admin, new_body(work, yesterday_at(3), yesterday_at(11), fixedRate=2016, hourlyRate=127)
    ).json()
    assert (fixed["rate"], fixed["fixedRate"], fixed["duration"]) == (2016.0, 2016.0, 28800)


def test_changing_the_activity_without_rate_fields_recalculates_rates(make_user, catalog, timesheets):
    admin = make_user("ROLE_ADMIN")
    work = catalog.work()
    expensive = catalog.activity(work.project)
    catalog.rate(expensive, "90")
    body = post(admin, new_body(work, yesterday_at(1), yesterday_at(2), hourlyRate="10")).json()
    with admin.client() as client:
        moved = client.patch(f"/api/timesheets/{body['id']}", json={"activity": expensive.id}).json()
    assert (moved["hourlyRate"], moved["rate"]) == (90.0, 90.0)


def test_weekday_factor_applies_on_first_calculation_only(make_user, catalog):
    admin = make_user("ROLE_ADMIN")
    catalog.preference(admin, "hourly_rate", "100")
    weekday = yesterday_at(9).strftime("%A").lower()
    catalog.setting("timesheet.rates.default.days", weekday)
    catalog.setting("timesheet.rates.default.factor", "1.5")
    body = post(admin, new_body(catalog.work(), yesterday_at(1), yesterday_at(2))).json()
    assert (body["hourlyRate"], body["rate"]) == (150.0, 150.0)
    with admin.client() as client:
        again = client.patch(f"/api/timesheets/{body['id']}", json={"description": "x"}).json()
    assert (again["hourlyRate"], again["rate"]) == (150.0, 150.0)


def test_decimal_rounding_mode_rounds_hours_and_amounts_to_cents(make_user, catalog):
    admin = make_user("ROLE_ADMIN")
    catalog.setting("timesheet.rounding.default.end", "0")
    catalog.setting("timesheet.rounding.default.begin", "0")
    work = catalog.work()
    classic = post(
        admin, new_body(work, yesterday_at(1), yesterday_at(1, 20, 20), hourlyRate="137.21")
    ).json()
    assert classic["rate"] == 46.4989
    catalog.setting("invoice.rounding_mode", "decimal")
    decimal = post(
        admin, new_body(work, yesterday_at(2), yesterday_at(2, 20, 20), hourlyRate="137.21")
    ).json()
    assert decimal["rate"] == 46.65


def test_running_records_cost_nothing(make_user, catalog):
    admin = make_user("ROLE_ADMIN")
    catalog.preference(admin, "hourly_rate", "80")
    body = post(admin, new_body(catalog.work())).json()
    assert (body["rate"], body["internalRate"]) == (0.0, 0.0)


def test_negative_rates_are_refused(make_user, catalog):
    admin = make_user("ROLE_ADMIN")
    response = post(
        admin, new_body(catalog.work(), yesterday_at(1), yesterday_at(2), hourlyRate=-1, fixedRate="x")
    )
    assert field_errors(response) == {
        "hourlyRate": ["This value should be greater than or equal to 0."],
        "fixedRate": ["Please enter a valid money amount."],
    }


# --- active entries -----------------------------------------------------------------------------


def test_starting_a_record_stops_the_oldest_beyond_the_hard_limit(make_user, catalog, timesheets):
    user = make_user()
    work = catalog.work()
    now = datetime.now(UTC).replace(microsecond=0)
    old = timesheets.create(user, work, now - timedelta(hours=2))
    body = post(user, new_body(work)).json()
    assert [r.id for r in timesheets.running(user)] == [body["id"]]
    assert timesheets.load(old.id).end is not None


def test_a_higher_hard_limit_keeps_more_records_running(make_user, catalog, timesheets):
    user = make_user()
    work = catalog.work()
    catalog.setting("timesheet.active_entries.hard_limit", "2")
    now = datetime.now(UTC).replace(microsecond=0)
    oldest = timesheets.create(user, work, now - timedelta(hours=3))
    middle = timesheets.create(user, work, now - timedelta(hours=2))
    body = post(user, new_body(work)).json()
    assert sorted(r.id for r in timesheets.running(user)) == sorted([middle.id, body["id"]])
    assert timesheets.load(oldest.id).end is not None


def test_reopening_by_patch_does_not_enforce_the_limit(make_user, catalog, timesheets):
    user = make_user()
    work = catalog.work()
    now = datetime.now(UTC).replace(microsecond=0)
    running = timesheets.create(user, work, now - timedelta(hours=1))
    done = timesheets.create(user, work, now - timedelta(hours=3), now - timedelta(hours=2))
    with user.client() as client:
        assert client.patch(f"/api/timesheets/{done.id}", json={"end": ""}).status_code == 200
    assert sorted(r.id for r in timesheets.running(user)) == sorted([running.id, done.id])


def test_a_start_that_cannot_stop_the_old_record_saves_nothing(make_user, catalog, timesheets):
    user = make_user()
    work = catalog.work()
    catalog.setting("timesheet.rules.long_running_duration", "60")
    old = timesheets.create(user, work, datetime.now(UTC) - timedelta(hours=2))
    response = post(user, new_body(work))
    assert global_errors(response) == [
        "You have an active time record which cannot be stopped automatically."
    ]
    assert set(response.json()["errors"]["children"]) == {
        "begin",
        "end",
        "project",
        "activity",
        "description",
        "tags",
    }
    assert [r.id for r in timesheets.running(user)] == [old.id]
    assert timesheets.count(user_id=user.id) == 1


# --- validation ---------------------------------------------------------------------------------


def test_future_times_can_be_forbidden(make_user, catalog):
    user = make_user()
    catalog.setting("timesheet.rules.allow_future_times", "0")
    later = datetime.now(UTC) + timedelta(hours=3)
    response = post(user, new_body(catalog.work(), later, later + timedelta(hours=1)))
    assert global_errors(response) == [
        "The begin date cannot be in the future.",
        "The end date cannot be in the future.",
    ]
    now_ish = datetime.now(UTC).astimezone(local("2024-01-01T00:00:00").tzinfo)
    assert post(user, new_body(catalog.work(), now_ish - timedelta(hours=1), now_ish)).status_code == 200


def test_zero_duration_can_be_forbidden(make_user, catalog):
    user = make_user()
    work = catalog.work()
    assert post(user, new_body(work, yesterday_at(8), yesterday_at(8))).json()["duration"] == 0
    catalog.setting("timesheet.rules.allow_zero_duration", "0")
    response = post(user, new_body(work, yesterday_at(9), yesterday_at(9)))
    assert global_errors(response) == ["An empty duration is not allowed."]


def test_overlapping_records_can_be_forbidden_but_touching_ones_are_fine(make_user, catalog, timesheets):
    user = make_user()
    work = catalog.work()
    catalog.setting("timesheet.rules.allow_overlapping_records", "0")
    timesheets.create(user, work, yesterday_at(12, 45), yesterday_at(13))
    timesheets.create(user, work, datetime.now(UTC) - timedelta(minutes=5))
    assert post(user, new_body(work, yesterday_at(13), yesterday_at(13, 15))).status_code == 200
    assert post(user, new_body(work, yesterday_at(12, 30), yesterday_at(12, 45))).status_code == 200
    for begin, end in ((yesterday_at(12, 50), yesterday_at(12, 55)), (yesterday_at(12), yesterday_at(14))):
        response = post(user, new_body(work, begin, end))
        assert global_errors(response) == ["You already have an entry for this time."]


def test_long_running_and_maximum_durations(make_user, catalog):
    user = make_user()
    work = catalog.work()
    begin = yesterday_at(0) - timedelta(days=400)
    assert global_errors(post(user, new_body(work, begin, yesterday_at(1)))) == ["Maximum duration exceeded."]
    catalog.setting("timesheet.rules.long_running_duration", "90")
    response = post(user, new_body(work, yesterday_at(1), yesterday_at(3)))
    assert global_errors(response) == ["Maximum 1:30 hours allowed."]


def test_a_running_record_on_a_hidden_project_cannot_be_edited(make_user, catalog, timesheets):
    user = make_user()
    work = catalog.work()
    record = timesheets.create(user, work, datetime.now(UTC) - timedelta(hours=1))
    catalog.update(work.project, visible=False)
    catalog.update(work.activity, visible=False)
    catalog.update(work.customer, visible=False)
    with user.client() as client:
        response = client.patch(f"/api/timesheets/{record.id}", json={"description": "x"})
    assert field_errors(response) == {
        "project": ["Cannot start a disabled project."],
        "activity": ["Cannot start a disabled activity."],
    }
    assert "Cannot start a disabled customer." in global_errors(response)


def test_an_activity_of_another_project_is_a_project_mismatch(make_user, catalog, timesheets):
    user = make_user()
    work, other = catalog.work(), catalog.work()
    record = timesheets.create(user, work, yesterday_at(9), yesterday_at(10))
    with user.client() as client:
        response = client.patch(f"/api/timesheets/{record.id}", json={"activity": other.activity.id})
    assert field_errors(response) == {
        "project": ["Project mismatch, project specific activity and timesheet project are different."]
    }


def test_a_global_activity_on_a_project_without_globals_is_refused_on_patch(make_user, catalog, timesheets):
    user = make_user()
    work = catalog.work()
    catalog.update(work.project, global_activities=False)
    global_activity = catalog.activity(None)
    record = timesheets.create(user, work, yesterday_at(9), yesterday_at(10))
    with user.client() as client:
        response = client.patch(f"/api/timesheets/{record.id}", json={"activity": global_activity.id})
    assert field_errors(response) == {
        "activity": ["Global activities are forbidden for the selected project."]
    }


def test_records_must_lie_within_the_project_dates(make_user, catalog):
    user = make_user()
    work = catalog.work()
    today = datetime.now(UTC).date()
    catalog.update(work.project, start=today - timedelta(days=10), end=today + timedelta(days=10))
    early = yesterday_at(9) - timedelta(days=20)
    assert global_errors(post(user, new_body(work, early, early + timedelta(hours=1)))) == [
        "The project has not started at that time.",
        "The project has not started at that time.",
    ]
    late = yesterday_at(9) + timedelta(days=20)
    assert global_errors(post(user, new_body(work, late, late + timedelta(hours=1)))) == [
        "The project is finished at that time.",
        "The project is finished at that time.",
    ]


def test_a_running_record_needs_the_start_permission(make_user, catalog, backend):
    user = make_user()
    deny(backend, "ROLE_USER", "start_own_timesheet")
    response = post(user, new_body(catalog.work()))
    assert global_errors(response) == ["You are not allowed to start this timesheet record."]


def test_stopping_an_exported_record_without_edit_export_is_refused(make_user, catalog, timesheets):
    user = make_user()
    record = timesheets.create(user, catalog.work(), datetime.now(UTC) - timedelta(hours=1), exported=True)
    with user.client() as client:
        response = client.patch(f"/api/timesheets/{record.id}/stop")
    assert response.json()["errors"] == {
        "children": {"exported": {"errors": ["This timesheet is already exported."]}}
    }


# --- lockdown -----------------------------------------------------------------------------------


def _last_month_day(day: int) -> date:
    first_of_this_month = datetime.now(UTC).date().replace(day=1)
    return (first_of_this_month - timedelta(days=1)).replace(day=day)


def _lock_last_month(catalog, grace: str = "") -> None:
    catalog.setting("timesheet.rules.lockdown_period_start", "first day of last month 00:00:00")
    catalog.setting("timesheet.rules.lockdown_period_end", "last day of last month 23:59:59")
    catalog.setting("timesheet.rules.lockdown_grace_period", grace)


def _at(day: date, hour: int) -> datetime:
    return local(f"{day.isoformat()}T{hour:02d}:00:00")


def test_records_in_a_locked_period_cannot_be_changed_or_created(make_user, catalog, timesheets):
    user = make_user()
    work = catalog.work()
    day = _last_month_day(10)
    record = timesheets.create(user, work, _at(day, 9), _at(day, 10))
    _lock_last_month(catalog)
    with user.client() as client:
        assert client.patch(f"/api/timesheets/{record.id}", json={"description": "x"}).status_code == 403
        assert client.delete(f"/api/timesheets/{record.id}").status_code == 403
    response = post(user, new_body(work, _at(day, 11), _at(day, 12)))
    assert global_errors(response) == ["This period is locked. Please choose a later date."]


def test_the_grace_period_keeps_the_latest_period_open(make_user, catalog, timesheets):
    user = make_user()
    work = catalog.work()
    day = _last_month_day(10)
    record = timesheets.create(user, work, _at(day, 9), _at(day, 10))
    older = timesheets.create(user, work, _at(day, 9) - timedelta(days=40), _at(day, 10) - timedelta(days=40))
    _lock_last_month(catalog, grace="+100 days")
    with user.client() as client:
        assert client.patch(f"/api/timesheets/{record.id}", json={"description": "x"}).status_code == 200
        assert client.patch(f"/api/timesheets/{older.id}", json={"description": "x"}).status_code == 403


def test_grace_permission_unlocks_the_latest_period_but_not_older_records(
    make_user, catalog, timesheets, backend
):
    admin = make_user("ROLE_ADMIN")
    deny(backend, "ROLE_ADMIN", "lockdown_override_timesheet")
    work = catalog.work()
    day = _last_month_day(10)
    record = timesheets.create(admin, work, _at(day, 9), _at(day, 10))
    older = timesheets.create(
        admin, work, _at(day, 9) - timedelta(days=40), _at(day, 10) - timedelta(days=40)
    )
    _lock_last_month(catalog)
    with admin.client() as client:
        assert client.patch(f"/api/timesheets/{record.id}", json={"description": "x"}).status_code == 200
        assert client.patch(f"/api/timesheets/{older.id}", json={"description": "x"}).status_code == 403


def test_override_permission_ignores_the_lockdown(make_user, catalog, timesheets):
    admin = make_user("ROLE_ADMIN")
    work = catalog.work()
    day = _last_month_day(10)
    older = timesheets.create(
        admin, work, _at(day, 9) - timedelta(days=40), _at(day, 10) - timedelta(days=40)
    )
    _lock_last_month(catalog)
    with admin.client() as client:
        assert client.patch(f"/api/timesheets/{older.id}", json={"description": "x"}).status_code == 200


def test_stopping_a_record_that_began_in_a_locked_period_fails(make_user, catalog, timesheets):
    user = make_user()
    record = timesheets.create(user, catalog.work(), datetime.now(UTC) - timedelta(days=40))
    catalog.setting("timesheet.rules.lockdown_period_start", "-60 days")
    catalog.setting("timesheet.rules.lockdown_period_end", "-30 days")
    with user.client() as client:
        response = client.patch(f"/api/timesheets/{record.id}/stop")
    assert response.json()["errors"]["children"]["begin_date"] == {
        "errors": ["This period is locked. Please choose a later date."]
    }


# --- budgets ------------------------------------------------------------------------------------


def test_money_budget_of_a_project_cannot_be_overbooked(make_user, catalog):
    admin = make_user("ROLE_ADMIN")
    user = make_user()
    work = catalog.work()
    catalog.update(work.project, budget=100)
    catalog.setting("timesheet.rules.allow_overbooking_budget", "0")
    catalog.preference(admin, "hourly_rate", "50")
    catalog.preference(user, "hourly_rate", "50")
    assert post(admin, new_body(work, yesterday_at(1), yesterday_at(2))).status_code == 200
    response = post(admin, new_body(work, yesterday_at(3), yesterday_at(5)))
    assert field_errors(response) == {
        "project": [
            "The budget is used up. Of the available €100.00, €50.00 has been booked so far, "
            "€50.00 can still be used."
        ]
    }
    assert field_errors(post(user, new_body(work, yesterday_at(3), yesterday_at(5)))) == {
        "project": ["Sorry, the budget is used up."]
    }
    assert post(admin, new_body(work, yesterday_at(6), yesterday_at(7))).status_code == 200


def test_time_budget_of_a_customer_is_a_global_error(make_user, catalog):
    admin = make_user("ROLE_ADMIN")
    work = catalog.work(time_budget=7200)
    catalog.setting("timesheet.rules.allow_overbooking_budget", "0")
    assert post(admin, new_body(work, yesterday_at(1), yesterday_at(2))).status_code == 200
    response = post(admin, new_body(work, yesterday_at(3), yesterday_at(5)))
    assert global_errors(response) == [
        "The budget is used up. Of the available 2:00, 1:00 has been booked so far, 1:00 can still be used."
    ]


def test_monthly_budgets_only_count_the_records_month_and_non_billable_records_are_free(make_user, catalog):
    admin = make_user("ROLE_ADMIN")
    work = catalog.work()
    catalog.update(work.activity, time_budget=3600, budget_type="month")
    catalog.setting("timesheet.rules.allow_overbooking_budget", "0")
    day = _last_month_day(10)
    earlier_month = day - timedelta(days=31)
    assert post(admin, new_body(work, _at(earlier_month, 8), _at(earlier_month, 9))).status_code == 200
    assert post(admin, new_body(work, _at(day, 1), _at(day, 2))).status_code == 200
    assert post(admin, new_body(work, _at(day, 3), _at(day, 4), billable=False)).status_code == 200
    assert field_errors(post(admin, new_body(work, _at(day, 5), _at(day, 6)))) == {
        "activity": [
            "The budget is used up. Of the available 1:00, 1:00 has been booked so far, "
            "0:00 can still be used."
        ]
    }
