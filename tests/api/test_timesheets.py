"""Timesheet endpoints: shapes, create/read/update/delete, stop, restart, duplicate, export, meta,
recent, active and favourites (contract TIMESHEETS §4, §5; ENTITIES §10)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from horae.activities.models import Activity
from horae.api.embedded import user_embedded
from horae.projects.models import Project
from horae.timesheets.schemas import activity_expanded, project_expanded
from horae.users.models import User
from tests.factories.timesheets import local

ENTITY_KEYS = {
    "id", "begin", "end", "duration", "break", "description", "tags", "activity", "project", "user",
    "metaFields", "exported", "billable",
}  # fmt: skip
RATE_KEYS = {"rate", "internalRate"}
ENTITY_RATE_KEYS = {"fixedRate", "hourlyRate"}
USER_KEYS = {
    "id", "username", "email", "enabled", "apiToken", "systemAccount", "color", "color-safe", "avatar",
    "alias", "accountNumber", "initials", "title", "language", "locale", "timezone",
}  # fmt: skip
CUSTOMER_KEYS = {
    "id", "name", "visible", "billable", "color", "color-safe", "number", "comment", "language", "currency",
    "country", "company", "homepage", "timezone", "fax", "mobile", "phone", "metaFields",
}  # fmt: skip
PROJECT_KEYS = {
    "id", "name", "customer", "visible", "billable", "color", "color-safe", "number", "orderNumber",
    "orderDate", "globalActivities", "comment", "start", "end", "metaFields",
}  # fmt: skip
ACTIVITY_KEYS = {
    "id", "name", "project", "visible", "billable", "number", "color", "color-safe", "metaFields", "comment",
}  # fmt: skip
FORM_FIELDS_USER = {"begin", "end", "project", "activity", "description", "tags"}


def yesterday_at(hour: int, minute: int = 0, second: int = 0, timezone: str = "Europe/Berlin") -> datetime:
    day = datetime.now(UTC).astimezone(local("2024-01-01T00:00:00", timezone).tzinfo).date() - timedelta(
        days=1
    )
    return local(f"{day.isoformat()}T{hour:02d}:{minute:02d}:{second:02d}", timezone)


def html5(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S%z")


def new_body(work, begin=None, end=None, **extra):
    body = {"project": work.project.id, "activity": work.activity.id}
    if begin is not None:
        body["begin"] = html5(begin)
    if end is not None:
        body["end"] = html5(end)
    body.update(extra)
    return body


# --- shapes -------------------------------------------------------------------------------------


def test_get_one_renders_kimais_example_in_the_records_timezone(make_user, catalog, timesheets):
    admin = make_user("ROLE_ADMIN", timezone="Europe/Berlin")
    work = catalog.work()
    tag = catalog.tag("test")
    begin = local("2020-03-27T14:35:00", "Pacific/Tongatapu")
    record = timesheets.create(
        admin, work, begin, begin + timedelta(seconds=46500), timezone="Pacific/Tongatapu",
        description="**foo**\nbar", tags=[tag], exported=True, hourly_rate="137.21", rate="1772.2958",
    )  # fmt: skip
    with admin.client() as client:
        response = client.get(f"/api/timesheets/{record.id}")
    assert response.status_code == 200
    assert response.json() == {
        "id": record.id,
        "begin": "2020-03-27T14:35:00+1300",
        "end": "2020-03-28T03:30:00+1300",
        "duration": 46500,
        "break": 0,
        "description": "**foo**\nbar",
        "tags": ["test"],
        "activity": work.activity.id,
        "project": work.project.id,
        "user": admin.id,
        "metaFields": [],
        "exported": True,
        "billable": True,
        "rate": 1772.2958,
        "internalRate": None,
        "fixedRate": None,
        "hourlyRate": 137.21,
    }


def test_a_plain_user_never_sees_rate_keys_even_on_own_records(make_user, catalog, timesheets):
    user = make_user()
    record = timesheets.create(user, catalog.work(), yesterday_at(9), yesterday_at(10))
    with user.client() as client:
        body = client.get(f"/api/timesheets/{record.id}").json()
    assert set(body) == ENTITY_KEYS


def test_collection_shape_has_ids_and_no_fixed_or_hourly_rate(make_user, catalog, timesheets):
    teamlead = make_user("ROLE_TEAMLEAD")
    timesheets.create(teamlead, catalog.work(), yesterday_at(9), yesterday_at(10))
    with teamlead.client() as client:
        (row,) = client.get("/api/timesheets").json()
    assert set(row) == ENTITY_KEYS | RATE_KEYS
    assert (
        isinstance(row["project"], int) and isinstance(row["activity"], int) and isinstance(row["user"], int)
    )


def test_full_collection_expands_user_project_customer_and_activity(make_user, catalog, timesheets):
    user = make_user(timezone="Europe/Berlin")
    work = catalog.work()
    timesheets.create(user, work, yesterday_at(9), yesterday_at(10))
    with user.client() as client:
        (row,) = client.get("/api/timesheets", params={"full": "true"}).json()
    assert set(row) == ENTITY_KEYS
    assert set(row["user"]) == USER_KEYS
    assert set(row["project"]) == PROJECT_KEYS
    assert set(row["project"]["customer"]) == CUSTOMER_KEYS
    assert set(row["activity"]) == ACTIVITY_KEYS
    assert set(row["activity"]["project"]) == PROJECT_KEYS
    assert row["user"]["username"] == user.username
    assert row["user"]["timezone"] == "Europe/Berlin"
    assert row["project"]["customer"]["id"] == work.customer.id


def test_full_collection_shows_only_visible_meta_fields(make_user, catalog, timesheets):
    user = make_user()
    timesheets.create(
        user,
        catalog.work(),
        yesterday_at(9),
        yesterday_at(10),
        meta={"shown": ("a", True), "hidden": ("b", False)},
    )
    with user.client() as client:
        (row,) = client.get("/api/timesheets", params={"full": "1"}).json()
    assert row["metaFields"] == [{"name": "shown", "value": "a"}]


def test_global_activity_expands_with_project_null(make_user, catalog, timesheets):
    user = make_user()
    work = catalog.work()
    global_activity = catalog.activity(None)
    timesheets.create(user, work, yesterday_at(9), yesterday_at(10), activity=global_activity)
    with user.client() as client:
        (row,) = client.get("/api/timesheets", params={"full": "true"}).json()
    assert row["activity"]["project"] is None


def test_get_one_ignores_full(make_user, catalog, timesheets):
    user = make_user()
    record = timesheets.create(user, catalog.work(), yesterday_at(9), yesterday_at(10))
    with user.client() as client:
        body = client.get(f"/api/timesheets/{record.id}", params={"full": "true"}).json()
    assert isinstance(body["project"], int)


def test_unknown_id_is_404_and_non_numeric_id_has_no_route(make_user):
    with make_user().client() as client:
        assert client.get("/api/timesheets/999999").json() == {"code": 404, "message": "Not Found"}
        assert client.get("/api/timesheets/9223372036854775807").status_code == 404
        assert client.get("/api/timesheets/abc").json() == {"code": 404, "message": "Not Found"}


def test_endpoints_need_authentication(http):
    assert http.get("/api/timesheets").json() == {"code": 401, "message": "Unauthorized"}
    assert http.post("/api/timesheets", json={}).status_code == 401


# --- create -------------------------------------------------------------------------------------


def test_post_creates_a_finished_record_with_200_and_default_rounding(make_user, catalog):
    user = make_user()
    work = catalog.work()
    with user.client() as client:
        response = client.post(
            "/api/timesheets",
            json=new_body(work, yesterday_at(14, 35, 59), yesterday_at(16, 29, 4), description="foo"),
        )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == ENTITY_KEYS
    assert body["begin"] == iso(yesterday_at(14, 35))
    assert body["end"] == iso(yesterday_at(16, 30))
    assert body["duration"] == 6900
    assert body["description"] == "foo"
    assert body["user"] == user.id
    assert body["exported"] is False and body["billable"] is True


def test_post_without_end_starts_a_running_record_with_rounded_now(make_user, catalog):
    user = make_user()
    work = catalog.work()
    before = datetime.now(UTC).replace(second=0, microsecond=0)
    with user.client() as client:
        body = client.post("/api/timesheets", json=new_body(work)).json()
    begin = datetime.strptime(body["begin"], "%Y-%m-%dT%H:%M:%S%z")
    assert begin.second == 0
    assert before <= begin <= datetime.now(UTC)
    assert body["end"] is None and body["duration"] == 0


def test_post_accepts_snake_case_and_space_separated_datetimes(make_user, catalog):
    admin = make_user("ROLE_ADMIN")
    work = catalog.work()
    begin = yesterday_at(8)
    with admin.client() as client:
        body = client.post(
            "/api/timesheets",
            json={
                "project": str(work.project.id),
                "activity": work.activity.id,
                "begin": begin.strftime("%Y-%m-%d %H:%M"),
                "end": (begin + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M"),
                "hourly_rate": 100,
            },
        ).json()
    assert body["hourlyRate"] == 100.0
    assert body["rate"] == 100.0


def test_post_accepts_urlencoded_bodies(make_user, catalog):
    user = make_user()
    work = catalog.work()
    begin = yesterday_at(8)
    with user.client() as client:
        response = client.post(
            "/api/timesheets",
            data={
                "project": work.project.id,
                "activity": work.activity.id,
                "begin": html5(begin),
                "end": html5(begin),
            },
        )
    assert response.status_code == 200


def test_post_with_full_query_answers_the_expanded_entity_whatever_its_value(make_user, catalog):
    admin = make_user("ROLE_ADMIN")
    work = catalog.work()
    with admin.client() as client:
        body = client.post(
            "/api/timesheets?full=false", json=new_body(work, yesterday_at(8), yesterday_at(9))
        ).json()
    assert isinstance(body["project"], dict) and isinstance(body["user"], dict)
    assert {"fixedRate", "hourlyRate", "rate"} <= set(body)


def test_post_reads_times_in_the_callers_timezone(make_user, catalog):
    user = make_user(timezone="America/New_York")
    work = catalog.work()
    begin = yesterday_at(8, timezone="America/New_York")
    with user.client() as client:
        body = client.post("/api/timesheets", json=new_body(work, begin, begin + timedelta(hours=1))).json()
    assert body["begin"] == iso(begin)


def test_an_offset_in_the_input_does_not_shift_the_wall_time(make_user, catalog):
    user = make_user(timezone="Europe/Berlin")
    work = catalog.work()
    day = yesterday_at(8).date().isoformat()
    with user.client() as client:
        body = client.post(
            "/api/timesheets",
            json={**new_body(work), "begin": f"{day}T08:00:00+05:00", "end": f"{day}T09:00:00Z"},
        ).json()
    assert body["begin"] == iso(yesterday_at(8))
    assert body["end"] == iso(yesterday_at(9))


def test_post_lists_every_field_in_the_error_body_and_marks_the_failing_ones(make_user, catalog):
    user = make_user()
    work = catalog.work()
    with user.client() as client:
        response = client.post(
            "/api/timesheets",
            json={"project": work.project.id, "activity": work.activity.id, "begin": "yesterday"},
        )
    assert response.status_code == 400
    assert response.json() == {
        "code": 400,
        "message": "Validation Failed",
        "errors": {
            "children": {
                "begin": {"errors": ["Please enter a valid date and time."]},
                "end": {},
                "project": {},
                "activity": {},
                "description": {},
                "tags": {},
            }
        },
    }


def test_post_rejects_fields_a_plain_user_may_not_send(make_user, catalog):
    user = make_user()
    work = catalog.work()
    extras = [{"id": 1}, {"user": user.id}, {"exported": True}, {"billable": True}, {"fixedRate": 1}]
    extras += [{"hourlyRate": 1}, {"duration": 60}, {"metaFields": []}, {"break": "1:00"}, {"rate": 1}]
    for extra in extras:
        with user.client() as client:
            response = client.post(
                "/api/timesheets", json=new_body(work, yesterday_at(8), yesterday_at(9), **extra)
            )
        assert response.status_code == 400, extra
        assert response.json()["errors"]["errors"][0] == "This form should not contain extra fields."
        assert set(response.json()["errors"]["children"]) == FORM_FIELDS_USER


def test_post_without_project_names_the_project(make_user, catalog):
    user = make_user()
    work = catalog.work()
    with user.client() as client:
        body = client.post(
            "/api/timesheets",
            json={
                "activity": work.activity.id,
                "begin": html5(yesterday_at(8)),
                "end": html5(yesterday_at(9)),
            },
        ).json()
    assert body["errors"]["children"]["project"] == {
        "errors": ["A project needs to be selected.", "This value should not be null."]
    }


def test_post_with_unknown_invisible_or_outdated_project_is_an_invalid_choice(make_user, catalog):
    user = make_user()
    hidden_customer = catalog.work(visible=False)
    hidden_project = catalog.work()
    catalog.update(hidden_project.project, visible=False)
    finished = catalog.work()
    catalog.update(finished.project, end=datetime.now(UTC).date() - timedelta(days=3))
    for project_id in (99999, hidden_customer.project.id, hidden_project.project.id, finished.project.id):
        with user.client() as client:
            body = client.post(
                "/api/timesheets",
                json={
                    "project": project_id,
                    "activity": hidden_customer.activity.id,
                    "begin": html5(yesterday_at(8)),
                    "end": html5(yesterday_at(9)),
                },
            ).json()
        assert body["errors"]["children"]["project"] == {"errors": ["The selected choice is invalid."]}, (
            project_id
        )


def test_post_with_an_activity_of_another_project_is_an_invalid_choice(make_user, catalog):
    user = make_user()
    work, other = catalog.work(), catalog.work()
    with user.client() as client:
        body = client.post(
            "/api/timesheets",
            json=new_body(work, yesterday_at(8), yesterday_at(9), activity=other.activity.id),
        ).json()
    assert body["errors"]["children"]["activity"] == {"errors": ["The selected choice is invalid."]}


def test_post_with_a_global_activity_on_a_project_without_globals_is_refused(make_user, catalog):
    user = make_user()
    work = catalog.work()
    catalog.update(work.project, global_activities=False)
    global_activity = catalog.activity(None)
    with user.client() as client:
        body = client.post(
            "/api/timesheets",
            json=new_body(work, yesterday_at(8), yesterday_at(9), activity=global_activity.id),
        ).json()
    assert body["errors"]["children"]["activity"] == {"errors": ["The selected choice is invalid."]}


def test_post_with_a_global_activity_is_accepted(make_user, catalog):
    user = make_user()
    work = catalog.work()
    global_activity = catalog.activity(None)
    with user.client() as client:
        response = client.post(
            "/api/timesheets",
            json=new_body(work, yesterday_at(8), yesterday_at(9), activity=global_activity.id),
        )
    assert response.status_code == 200
    assert response.json()["activity"] == global_activity.id


def test_tags_are_a_comma_string_and_unknown_names_are_dropped(make_user, catalog):
    user = make_user()
    work = catalog.work()
    catalog.tag("foo")
    catalog.tag("bar")
    with user.client() as client:
        body = client.post(
            "/api/timesheets",
            json=new_body(work, yesterday_at(8), yesterday_at(9), tags=" foo, bar,nope,foo,"),
        ).json()
        assert body["tags"] == ["foo", "bar"]
        refused = client.post(
            "/api/timesheets", json=new_body(work, yesterday_at(8), yesterday_at(9), tags=["foo"])
        )
        assert refused.json()["errors"]["children"]["tags"] == {"errors": ["This value is not valid."]}
        cleared = client.patch(f"/api/timesheets/{body['id']}", json={"tags": ""}).json()
    assert cleared["tags"] == []


def test_tag_names_match_their_tags_in_any_case(make_user, catalog):
    user = make_user()
    work = catalog.work()
    catalog.tag("Design")
    catalog.tag("review")
    with user.client() as client:
        body = client.post(
            "/api/timesheets",
            json=new_body(work, yesterday_at(8), yesterday_at(9), tags="design,Review,DESIGN,nope"),
        ).json()
        assert body["tags"] == ["Design", "review"]
        exact = client.post(
            "/api/timesheets", json=new_body(work, yesterday_at(10), yesterday_at(11), tags="review,Design")
        ).json()
    assert exact["tags"] == ["Design", "review"]


def test_empty_description_is_stored_as_null(make_user, catalog):
    user = make_user()
    with user.client() as client:
        body = client.post(
            "/api/timesheets", json=new_body(catalog.work(), yesterday_at(8), yesterday_at(9), description="")
        ).json()
    assert body["description"] is None


def test_invalid_json_is_a_plain_bad_request(make_user):
    with make_user().client() as client:
        response = client.post(
            "/api/timesheets", content=b"{nope", headers={"Content-Type": "application/json"}
        )
    assert response.json() == {"code": 400, "message": "Bad Request"}


def test_teamlead_creates_for_a_member_with_times_read_in_the_teamleads_zone(make_user, catalog):
    teamlead = make_user("ROLE_TEAMLEAD", timezone="Europe/Berlin")
    member = make_user(timezone="Asia/Tokyo")
    catalog.team(members=[member], leads=[teamlead])
    work = catalog.work()
    begin = yesterday_at(8)
    with teamlead.client() as client:
        body = client.post(
            "/api/timesheets", json=new_body(work, begin, begin + timedelta(hours=1), user=member.id)
        ).json()
    assert body["user"] == member.id
    assert body["begin"] == iso(begin.astimezone(local("2024-01-01T00:00:00", "Asia/Tokyo").tzinfo))
    assert body["begin"].endswith("+0900")


def test_teamlead_cannot_pick_a_user_outside_the_teams_he_leads(make_user, catalog):
    teamlead = make_user("ROLE_TEAMLEAD")
    stranger = make_user()
    catalog.team(members=[stranger])
    work = catalog.work()
    with teamlead.client() as client:
        body = client.post(
            "/api/timesheets", json=new_body(work, yesterday_at(8), yesterday_at(9), user=stranger.id)
        ).json()
    assert body["errors"]["children"]["user"] == {"errors": ["The selected choice is invalid."]}


# --- update -------------------------------------------------------------------------------------


def test_patch_changes_only_the_sent_fields(make_user, catalog, timesheets):
    user = make_user()
    work = catalog.work()
    record = timesheets.create(user, work, yesterday_at(9), yesterday_at(10), description="old")
    with user.client() as client:
        response = client.patch(f"/api/timesheets/{record.id}", json={"description": "new"})
    assert response.status_code == 200
    body = response.json()
    assert body["description"] == "new"
    assert body["begin"] == iso(yesterday_at(9)) and body["end"] == iso(yesterday_at(10))
    assert body["project"] == work.project.id


def test_patch_reads_times_in_the_records_timezone(make_user, catalog, timesheets):
    teamlead = make_user("ROLE_TEAMLEAD", timezone="Europe/Berlin")
    member = make_user(timezone="Asia/Tokyo")
    catalog.team(members=[member], leads=[teamlead])
    record = timesheets.create(
        member, catalog.work(), yesterday_at(9), yesterday_at(10), timezone="Asia/Tokyo"
    )
    tokyo_begin = yesterday_at(11, timezone="Asia/Tokyo")
    with teamlead.client() as client:
        body = client.patch(
            f"/api/timesheets/{record.id}",
            json={"begin": html5(tokyo_begin), "end": html5(tokyo_begin + timedelta(hours=2))},
        ).json()
    assert body["begin"] == iso(tokyo_begin)
    assert body["duration"] == 7200


def test_patch_resets_the_record_timezone_to_the_owners_current_one(make_user, catalog, timesheets):
    user = make_user(timezone="Europe/Berlin")
    record = timesheets.create(user, catalog.work(), yesterday_at(9), yesterday_at(10), timezone="Asia/Tokyo")
    with user.client() as client:
        body = client.patch(f"/api/timesheets/{record.id}", json={"description": "x"}).json()
    assert body["begin"] == iso(yesterday_at(9))


def test_patch_with_null_end_turns_the_record_back_into_a_running_one(make_user, catalog, timesheets):
    user = make_user()
    record = timesheets.create(
        user, catalog.work(), datetime.now(UTC) - timedelta(hours=2), datetime.now(UTC)
    )
    with user.client() as client:
        body = client.patch(f"/api/timesheets/{record.id}", json={"end": None}).json()
    assert body["end"] is None and body["duration"] == 0


def test_patch_end_before_begin_is_a_global_error_next_to_field_errors(make_user, catalog, timesheets):
    user = make_user()
    work = catalog.work()
    record = timesheets.create(user, work, yesterday_at(9), yesterday_at(10))
    with user.client() as client:
        response = client.patch(
            f"/api/timesheets/{record.id}",
            json={"activity": 999999, "begin": html5(yesterday_at(12)), "end": html5(yesterday_at(11))},
        )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "The end date must not be earlier than the start date." in errors["errors"]
    assert errors["children"]["activity"] == {"errors": ["The selected choice is invalid."]}
    assert set(errors["children"]) == FORM_FIELDS_USER | {"user"}


def test_patch_keeps_a_hidden_current_project_valid_but_refuses_switching_to_one(
    make_user, catalog, timesheets
):
    user = make_user()
    work, hidden = catalog.work(), catalog.work()
    record = timesheets.create(user, work, yesterday_at(9), yesterday_at(10))
    catalog.update(work.project, visible=False)
    catalog.update(hidden.project, visible=False)
    with user.client() as client:
        kept = client.patch(
            f"/api/timesheets/{record.id}", json={"project": work.project.id, "description": "x"}
        )
        switched = client.patch(
            f"/api/timesheets/{record.id}",
            json={"project": hidden.project.id, "activity": hidden.activity.id},
        )
    assert kept.status_code == 200
    assert switched.json()["errors"]["children"]["project"] == {"errors": ["The selected choice is invalid."]}


def test_patch_of_an_unknown_record_is_404(make_user):
    with make_user().client() as client:
        assert client.patch("/api/timesheets/424242", json={}).json() == {"code": 404, "message": "Not Found"}


# --- delete -------------------------------------------------------------------------------------


def test_delete_answers_204_with_an_empty_body(make_user, catalog, timesheets):
    user = make_user()
    record = timesheets.create(user, catalog.work(), yesterday_at(9), yesterday_at(10))
    with user.client() as client:
        response = client.delete(f"/api/timesheets/{record.id}")
        assert response.status_code == 204
        assert response.content == b""
        assert client.get(f"/api/timesheets/{record.id}").status_code == 404


def test_delete_of_an_exported_record_needs_edit_exported(make_user, catalog, timesheets):
    user = make_user()
    admin = make_user("ROLE_ADMIN")
    record = timesheets.create(user, catalog.work(), yesterday_at(9), yesterday_at(10), exported=True)
    with user.client() as client:
        assert client.delete(f"/api/timesheets/{record.id}").json() == {"code": 403, "message": "Forbidden"}
    with admin.client() as client:
        assert client.delete(f"/api/timesheets/{record.id}").status_code == 204


# --- stop ---------------------------------------------------------------------------------------


def test_stop_ends_a_running_record_now_rounded_up(make_user, catalog, timesheets):
    user = make_user()
    record = timesheets.create(
        user, catalog.work(), datetime.now(UTC).replace(microsecond=0) - timedelta(hours=4)
    )
    with user.client() as client:
        response = client.patch(f"/api/timesheets/{record.id}/stop")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == ENTITY_KEYS
    end = datetime.strptime(body["end"], "%Y-%m-%dT%H:%M:%S%z")
    assert end.second == 0 and end >= datetime.now(UTC) - timedelta(minutes=1)
    assert body["duration"] > 4 * 3600 - 60


def test_stop_of_a_stopped_record_changes_nothing(make_user, catalog, timesheets):
    user = make_user()
    record = timesheets.create(user, catalog.work(), yesterday_at(9), yesterday_at(10))
    with user.client() as client:
        body = client.patch(f"/api/timesheets/{record.id}/stop").json()
    assert body["end"] == iso(yesterday_at(10))


def test_stop_keeps_the_records_timezone(make_user, catalog, timesheets):
    user = make_user(timezone="Europe/Berlin")
    record = timesheets.create(
        user, catalog.work(), datetime.now(UTC) - timedelta(hours=1), timezone="America/Sao_Paulo"
    )
    with user.client() as client:
        body = client.patch(f"/api/timesheets/{record.id}/stop").json()
    assert body["end"].endswith("-0300")


def test_stop_validation_failure_uses_the_service_error_format(make_user, catalog, timesheets):
    user = make_user()
    catalog.setting("timesheet.rules.long_running_duration", "750")
    record = timesheets.create(user, catalog.work(), datetime.now(UTC) - timedelta(hours=13))
    with user.client() as client:
        response = client.patch(f"/api/timesheets/{record.id}/stop")
    assert response.status_code == 400
    assert response.json() == {
        "code": "400",
        "message": "There was a problem saving.",
        "errors": {"children": {"duration": {"errors": ["Maximum 12:30 hours allowed."]}}},
    }
    assert timesheets.load(record.id).end is None


@pytest.mark.parametrize("action", ["stop", "restart"])
def test_get_on_stop_and_restart_is_405(make_user, catalog, timesheets, action):
    user = make_user()
    record = timesheets.create(user, catalog.work(), datetime.now(UTC) - timedelta(hours=1))
    with user.client() as client:
        response = client.get(f"/api/timesheets/{record.id}/{action}")
    assert response.status_code == 405
    assert response.json() == {"code": 405, "message": "Method Not Allowed"}
    assert "PATCH" in response.headers["allow"]


@pytest.mark.parametrize("action", ["stop", "restart", "duplicate", "export", "meta"])
def test_actions_on_an_unknown_record_are_404(make_user, action):
    with make_user("ROLE_ADMIN").client() as client:
        response = client.patch(f"/api/timesheets/987654/{action}", json={})
    assert response.json() == {"code": 404, "message": "Not Found"}


# --- restart ------------------------------------------------------------------------------------


def test_restart_starts_a_new_running_record_with_project_and_activity_only(make_user, catalog, timesheets):
    user = make_user()
    work = catalog.work()
    tag = catalog.tag("keep")
    record = timesheets.create(
        user, work, yesterday_at(9), yesterday_at(10), description="foo", tags=[tag], billable=False
    )
    with user.client() as client:
        response = client.patch(f"/api/timesheets/{record.id}/restart")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] != record.id
    assert body["end"] is None
    assert (body["project"], body["activity"], body["user"]) == (work.project.id, work.activity.id, user.id)
    assert body["description"] is None and body["tags"] == []
    assert body["billable"] is True


def test_restart_with_copy_all_copies_description_billable_tags_and_meta_but_no_rates(
    make_user, catalog, timesheets
):
    admin = make_user("ROLE_ADMIN")
    work = catalog.work()
    tags = [catalog.tag("another"), catalog.tag("bar")]
    record = timesheets.create(
        admin, work, yesterday_at(9), yesterday_at(10), description="foo", tags=tags, billable=False,
        meta={"sdfsdf": ("nnnnn", True), "xxxxxxx": ("asdasdasd", False)}, hourly_rate="99", rate="99",
    )  # fmt: skip
    with admin.client() as client:
        body = client.patch(f"/api/timesheets/{record.id}/restart", json={"copy": "all"}).json()
    assert body["description"] == "foo"
    assert body["tags"] == ["another", "bar"]
    assert body["billable"] is False
    assert body["metaFields"] == [{"name": "sdfsdf", "value": "nnnnn"}]
    assert body["hourlyRate"] is None and body["rate"] == 0.0


def test_restart_with_begin_uses_the_callers_timezone(make_user, catalog, timesheets):
    user = make_user(timezone="Europe/Berlin")
    record = timesheets.create(user, catalog.work(), yesterday_at(9), yesterday_at(10))
    with user.client() as client:
        body = client.patch(
            f"/api/timesheets/{record.id}/restart", json={"begin": "2019-11-27T13:55:00"}
        ).json()
    assert body["begin"] == "2019-11-27T13:55:00+0100"


@pytest.mark.parametrize(
    "params", [{"copy": "some"}, {"begin": "2019-11-27 13:55"}, {"begin": "2019-11-27T13:55"}]
)
def test_restart_with_bad_parameters_is_a_bad_request(make_user, catalog, timesheets, params):
    user = make_user()
    record = timesheets.create(user, catalog.work(), yesterday_at(9), yesterday_at(10))
    with user.client() as client:
        response = client.patch(f"/api/timesheets/{record.id}/restart", json=params)
    assert response.json() == {"code": 400, "message": "Bad Request"}


def test_restart_of_someone_elses_record_belongs_to_the_caller(make_user, catalog, timesheets):
    teamlead = make_user("ROLE_TEAMLEAD")
    member = make_user()
    catalog.team(members=[member], leads=[teamlead])
    record = timesheets.create(member, catalog.work(), yesterday_at(9), yesterday_at(10))
    with teamlead.client() as client:
        body = client.patch(f"/api/timesheets/{record.id}/restart").json()
    assert body["user"] == teamlead.id


def test_restart_stops_the_callers_running_record(make_user, catalog, timesheets):
    user = make_user()
    work = catalog.work()
    running = timesheets.create(user, work, datetime.now(UTC) - timedelta(hours=1))
    done = timesheets.create(user, work, yesterday_at(9), yesterday_at(10))
    with user.client() as client:
        body = client.patch(f"/api/timesheets/{done.id}/restart").json()
    assert [r.id for r in timesheets.running(user)] == [body["id"]]
    assert timesheets.load(running.id).end is not None


def test_restart_fails_when_the_old_record_cannot_be_stopped(make_user, catalog, timesheets):
    user = make_user()
    work = catalog.work()
    catalog.setting("timesheet.rules.long_running_duration", "60")
    running = timesheets.create(user, work, datetime.now(UTC) - timedelta(hours=3))
    done = timesheets.create(user, work, yesterday_at(9), yesterday_at(10))
    with user.client() as client:
        response = client.patch(f"/api/timesheets/{done.id}/restart")
    assert response.status_code == 400
    assert response.json() == {
        "code": "400",
        "message": "You have an active time record which cannot be stopped automatically.",
        "errors": {"children": {"duration": {"errors": ["Maximum 1:00 hours allowed."]}}},
    }
    assert [r.id for r in timesheets.running(user)] == [running.id]


# --- duplicate ----------------------------------------------------------------------------------


def test_duplicate_copies_times_rates_tags_and_meta_but_not_exported(make_user, catalog, timesheets):
    admin = make_user("ROLE_ADMIN")
    work = catalog.work()
    tag = catalog.tag("t1")
    record = timesheets.create(
        admin, work, yesterday_at(9), yesterday_at(17), description="foo", tags=[tag], exported=True,
        fixed_rate="2016", rate="2016", meta={"m": ("v", True)},
    )  # fmt: skip
    with admin.client() as client:
        response = client.patch(f"/api/timesheets/{record.id}/duplicate")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] != record.id
    assert (body["begin"], body["end"], body["duration"]) == (
        iso(yesterday_at(9)),
        iso(yesterday_at(17)),
        28800,
    )
    assert body["rate"] == 2016.0 and body["fixedRate"] == 2016.0
    assert body["tags"] == ["t1"] and body["metaFields"] == [{"name": "m", "value": "v"}]
    assert body["description"] == "foo" and body["exported"] is False


def test_duplicate_keeps_the_owner(make_user, catalog, timesheets):
    teamlead = make_user("ROLE_TEAMLEAD")
    member = make_user()
    catalog.team(members=[member], leads=[teamlead])
    record = timesheets.create(member, catalog.work(), yesterday_at(9), yesterday_at(10))
    with teamlead.client() as client:
        assert client.patch(f"/api/timesheets/{record.id}/duplicate").json()["user"] == member.id


def test_duplicate_fails_on_overlap_when_overlapping_is_forbidden(make_user, catalog, timesheets):
    user = make_user()
    catalog.setting("timesheet.rules.allow_overlapping_records", "0")
    record = timesheets.create(user, catalog.work(), yesterday_at(9), yesterday_at(10))
    with user.client() as client:
        response = client.patch(f"/api/timesheets/{record.id}/duplicate")
    assert response.json() == {
        "code": "400",
        "message": "There was a problem saving.",
        "errors": {"children": {"begin_date": {"errors": ["You already have an entry for this time."]}}},
    }


# --- export -------------------------------------------------------------------------------------


def test_export_toggles_the_exported_flag(make_user, catalog, timesheets):
    admin = make_user("ROLE_ADMIN")
    user = make_user()
    record = timesheets.create(user, catalog.work(), yesterday_at(9), yesterday_at(10))
    with admin.client() as client:
        assert client.patch(f"/api/timesheets/{record.id}/export").json()["exported"] is True
        assert client.patch(f"/api/timesheets/{record.id}/export").json()["exported"] is False


def test_export_is_forbidden_for_plain_users_and_unexport_for_teamleads(make_user, catalog, timesheets):
    user = make_user()
    teamlead = make_user("ROLE_TEAMLEAD")
    catalog.team(members=[user], leads=[teamlead])
    record = timesheets.create(user, catalog.work(), yesterday_at(9), yesterday_at(10))
    with user.client() as client:
        assert client.patch(f"/api/timesheets/{record.id}/export").status_code == 403
    with teamlead.client() as client:
        assert client.patch(f"/api/timesheets/{record.id}/export").json()["exported"] is True
        assert client.patch(f"/api/timesheets/{record.id}/export").json() == {
            "code": 403,
            "message": "Forbidden",
        }


# --- meta ---------------------------------------------------------------------------------------


def test_meta_sets_a_configured_field_case_insensitively(make_user, catalog, timesheets):
    user = make_user()
    catalog.meta_field("metatestmock")
    record = timesheets.create(user, catalog.work(), yesterday_at(9), yesterday_at(10))
    with user.client() as client:
        response = client.patch(
            f"/api/timesheets/{record.id}/meta", json={"name": "MetaTestMock", "value": "another,testing,bar"}
        )
        assert response.status_code == 200
        assert response.json()["metaFields"] == [{"name": "metatestmock", "value": "another,testing,bar"}]
        again = client.patch(f"/api/timesheets/{record.id}/meta", json={"name": "metatestmock", "value": ""})
    assert again.json()["metaFields"] == [{"name": "metatestmock", "value": ""}]


def test_meta_checks_name_then_field_then_value(make_user, catalog, timesheets):
    user = make_user()
    catalog.meta_field("known")
    record = timesheets.create(user, catalog.work(), yesterday_at(9), yesterday_at(10))
    with user.client() as client:
        url = f"/api/timesheets/{record.id}/meta"
        assert client.patch(url, json={"value": "X"}).json() == {"code": 400, "message": "Bad Request"}
        assert client.patch(url, json={"name": "X"}).json() == {"code": 404, "message": "Not Found"}
        assert client.patch(url, json={"name": "X", "value": "Y"}).json() == {
            "code": 404,
            "message": "Not Found",
        }
        assert client.patch(url, json={"name": "known"}).json() == {"code": 400, "message": "Bad Request"}


def test_meta_fields_cannot_be_sent_in_patch_bodies(make_user, catalog, timesheets):
    user = make_user()
    record = timesheets.create(user, catalog.work(), yesterday_at(9), yesterday_at(10))
    with user.client() as client:
        response = client.patch(
            f"/api/timesheets/{record.id}", json={"metaFields": [{"name": "a", "value": "b"}]}
        )
    assert response.json()["errors"]["errors"] == ["This form should not contain extra fields."]


# --- recent and active --------------------------------------------------------------------------


def test_recent_returns_the_latest_record_per_project_and_activity_pair(make_user, catalog, timesheets):
    user = make_user()
    first, second = catalog.work(), catalog.work()
    timesheets.create(user, first, yesterday_at(8), yesterday_at(9))
    newest_first = timesheets.create(user, first, yesterday_at(10), yesterday_at(11))
    newest_second = timesheets.create(user, second, yesterday_at(6), yesterday_at(7))
    with user.client() as client:
        response = client.get("/api/timesheets/recent")
    assert response.status_code == 200
    assert "x-total-count" not in response.headers
    rows = response.json()
    assert [row["id"] for row in rows] == [newest_first.id, newest_second.id]
    assert isinstance(rows[0]["project"], dict)


def test_recent_limits_the_number_of_pairs_and_honours_begin(make_user, catalog, timesheets):
    user = make_user()
    works = [catalog.work() for _ in range(3)]
    records = [
        timesheets.create(user, work, yesterday_at(8 + i), yesterday_at(9 + i))
        for i, work in enumerate(works)
    ]
    with user.client() as client:
        assert [r["id"] for r in client.get("/api/timesheets/recent", params={"size": 2}).json()] == [
            records[2].id,
            records[1].id,
        ]
        since = html5(yesterday_at(9, 30))
        assert [r["id"] for r in client.get("/api/timesheets/recent", params={"begin": since}).json()] == [
            records[2].id
        ]
        assert client.get("/api/timesheets/recent", params={"begin": "2024-01-01"}).status_code == 400


def test_recent_leaves_out_pairs_restricted_to_other_teams_before_limiting(make_user, catalog, timesheets):
    user = make_user()
    shown = catalog.work()
    restricted = catalog.work(teams=[catalog.team("Others", members=[make_user()])])
    kept = timesheets.create(user, shown, yesterday_at(8), yesterday_at(9))
    timesheets.create(user, restricted, yesterday_at(10), yesterday_at(11))
    with user.client() as client:
        rows = client.get("/api/timesheets/recent", params={"size": 1}).json()
    assert [row["id"] for row in rows] == [kept.id]


def test_active_lists_the_callers_running_records_newest_first(make_user, catalog, timesheets):
    user = make_user()
    other = make_user()
    work = catalog.work()
    now = datetime.now(UTC).replace(microsecond=0)
    older = timesheets.create(user, work, now - timedelta(hours=3))
    newer = timesheets.create(user, work, now - timedelta(hours=1))
    timesheets.create(user, work, yesterday_at(9), yesterday_at(10))
    timesheets.create(other, work, now - timedelta(hours=2))
    with user.client() as client:
        response = client.get("/api/timesheets/active")
    rows = response.json()
    assert [row["id"] for row in rows] == [newer.id, older.id]
    assert isinstance(rows[0]["user"], dict)
    assert "x-page" not in response.headers


# --- favourites ---------------------------------------------------------------------------------


def test_favorites_are_added_newest_first_and_capped_at_five(make_user, catalog, timesheets):
    user = make_user()
    records = timesheets.many(user, catalog.work(), 6)
    with user.client() as client:
        assert client.get("/api/favorites/timesheets").json() == []
        for record in records:
            response = client.post(f"/api/favorites/timesheets/{record.id}")
            assert response.status_code == 204 and response.content == b""
        assert client.post(f"/api/favorites/timesheets/{records[5].id}").status_code == 204
        rows = client.get("/api/favorites/timesheets").json()
    assert [row["id"] for row in rows] == [r.id for r in reversed(records[1:])]
    assert isinstance(rows[0]["project"], dict)


def test_favorites_can_be_removed_and_removing_twice_is_fine(make_user, catalog, timesheets):
    user = make_user()
    record = timesheets.create(user, catalog.work(), yesterday_at(9), yesterday_at(10))
    with user.client() as client:
        client.post(f"/api/favorites/timesheets/{record.id}")
        assert client.delete(f"/api/favorites/timesheets/{record.id}").status_code == 204
        assert client.delete(f"/api/favorites/timesheets/{record.id}").status_code == 204
        assert client.get("/api/favorites/timesheets").json() == []


def test_favorites_only_take_own_records_and_unknown_ids_are_404(make_user, catalog, timesheets):
    user = make_user()
    other = make_user()
    record = timesheets.create(other, catalog.work(), yesterday_at(9), yesterday_at(10))
    with user.client() as client:
        assert client.post(f"/api/favorites/timesheets/{record.id}").json() == {
            "code": 403,
            "message": "Forbidden",
        }
        assert client.post("/api/favorites/timesheets/999999").json() == {"code": 404, "message": "Not Found"}
        assert client.get(f"/api/favorites/timesheets/{record.id}").status_code == 405


def test_deleted_favorites_disappear_from_the_list(make_user, catalog, timesheets):
    user = make_user()
    record = timesheets.create(user, catalog.work(), yesterday_at(9), yesterday_at(10))
    with user.client() as client:
        client.post(f"/api/favorites/timesheets/{record.id}")
        client.delete(f"/api/timesheets/{record.id}")
        assert client.get("/api/favorites/timesheets").json() == []


def test_favorites_are_stored_as_the_favorite_timesheets_preference(make_user, catalog, timesheets, backend):
    from tests.factories.users import load_user

    user = make_user()
    record = timesheets.create(user, catalog.work(), yesterday_at(9), yesterday_at(10))
    with user.client() as client:
        client.post(f"/api/favorites/timesheets/{record.id}")
    assert load_user(backend, user.id).preference("favorite_timesheets") == str(record.id)


# --- hostile input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"begin": "0999-12-31T10:00:00"}, "begin", "Please enter a valid date and time."),
        ({"end": "9999-12-31T23:59:59"}, "end", "Please enter a valid date and time."),
        (
            {"description": "x" * 65_536},
            "description",
            "This value is too long. It should have 65535 characters or less.",
        ),
        ({"project": 1e30}, "project", "The selected choice is invalid."),
        ({"activity": "12abc"}, "activity", "The selected choice is invalid."),
        ({"begin": 12345}, "begin", "Please enter a valid date and time."),
        ({"description": ["x"]}, "description", "This value is not valid."),
    ],
)
def test_hostile_values_are_field_errors_not_server_errors(make_user, catalog, extra, field, message):
    user = make_user()
    body = {**new_body(catalog.work(), yesterday_at(8), yesterday_at(9)), **extra}
    with user.client() as client:
        response = client.post("/api/timesheets", json=body)
    assert response.status_code == 400
    assert response.json()["errors"]["children"][field] == {"errors": [message]}


def test_hostile_rates_and_breaks_are_refused(make_user, catalog):
    admin = make_user("ROLE_ADMIN")
    catalog.setting("timesheet.rules.break_time_active", "1")
    work = catalog.work()
    with admin.client() as client:
        response = client.post(
            "/api/timesheets",
            json=new_body(work, yesterday_at(8), yesterday_at(9), hourlyRate="1e13", **{"break": "9999999h"}),
        )
        assert set(response.json()["errors"]["children"]["hourlyRate"]["errors"][0].split()) >= {"between"}
        assert "break" in {k for k, v in response.json()["errors"]["children"].items() if v}
        huge = client.post(
            "/api/timesheets",
            json=new_body(
                work, yesterday_at(0) - timedelta(days=300), yesterday_at(1), hourlyRate="999999999999"
            ),
        )
    assert huge.json()["errors"]["errors"] == ["There was a problem saving."]


@pytest.mark.parametrize(
    "query",
    ["term=a%00b", "tags[]=x%00", "begin=0001-01-01T00:00:00", "end=9999-12-31T23:59:59", "user=99999999999"],
)
def test_hostile_query_values_never_fail_the_server(make_user, query):
    with make_user().client() as client:
        response = client.get(f"/api/timesheets?{query}")
    assert response.status_code in (200, 400)


def test_hostile_meta_values_are_bad_requests(make_user, catalog, timesheets):
    user = make_user()
    catalog.meta_field("m")
    record = timesheets.create(user, catalog.work(), yesterday_at(8), yesterday_at(9))
    with user.client() as client:
        url = f"/api/timesheets/{record.id}/meta"
        assert client.patch(url, json={"name": "m", "value": "a\x00"}).status_code == 400
        assert client.patch(url, json={"name": "m\x00", "value": "a"}).status_code == 400
        assert client.patch(url, json={"name": "m", "value": ["a"]}).status_code == 400
        assert client.patch(url, json=[1, 2]).status_code in (400, 404)


@pytest.mark.parametrize("extra", [{"description": "nul\x00byte"}, {"tags": "a\x00b"}])
def test_nul_characters_are_refused_as_a_bad_request_and_nothing_is_written(make_user, catalog, extra):
    user = make_user()
    body = {**new_body(catalog.work(), yesterday_at(8), yesterday_at(9)), **extra}
    with user.client() as client:
        response = client.post("/api/timesheets", json=body)
        assert response.status_code == 400
        assert response.json() == {"code": 400, "message": "Bad Request"}
        assert client.get("/api/timesheets").json() == []


def _expected_relations(backend, row):
    """The expanded relations of a listed record as the entities' own serializers write them."""
    with backend.db.session(write=False) as session:
        return {
            "activity": activity_expanded(session.get(Activity, row["activity"]["id"])),
            "project": project_expanded(session.get(Project, row["project"]["id"])),
            "user": user_embedded(session.get(User, row["user"]["id"])),
        }


@pytest.mark.parametrize("reader", ["owner", "admin"])
def test_full_collection_relations_equal_the_entities_own_writing(
    make_user, catalog, timesheets, set_meta, backend, reader
):
    """The expanded page reads its relations as rows (and the caller's own account as
    authentication read it); every value equals what the ORM entities' serializers write."""
    owner = make_user(timezone="Asia/Tokyo")
    work = catalog.work()
    other = catalog.work()
    global_activity = catalog.activity(None)
    for record, name in (
        (work.customer, "c"),
        (work.project, "p"),
        (work.activity, "a"),
        (global_activity, "g"),
    ):
        set_meta(record, f"{name}-shown", f"{name}1")
        set_meta(record, f"{name}-hidden", f"{name}2", visible=False)
    timesheets.create(owner, work, yesterday_at(8), yesterday_at(9))
    timesheets.create(owner, work, yesterday_at(9), yesterday_at(10), activity=global_activity)
    timesheets.create(owner, other, yesterday_at(10), yesterday_at(11))
    caller = owner if reader == "owner" else make_user("ROLE_SUPER_ADMIN")
    with caller.client() as client:
        rows = client.get("/api/timesheets", params={"full": "true", "user": str(owner.id)}).json()
    assert len(rows) == 3
    for row in rows:
        expected = _expected_relations(backend, row)
        assert row["activity"] == expected["activity"]
        assert row["project"] == expected["project"]
        assert row["user"] == expected["user"]
    activities = {row["activity"]["id"]: row["activity"] for row in rows}
    assert activities[global_activity.id]["project"] is None
    assert activities[global_activity.id]["metaFields"] == [{"name": "g-shown", "value": "g1"}]
    assert activities[work.activity.id]["project"]["customer"]["metaFields"] == [
        {"name": "c-shown", "value": "c1"}
    ]
    assert activities[work.activity.id]["project"]["metaFields"] == [{"name": "p-shown", "value": "p1"}]
    assert {row["user"]["timezone"] for row in rows} == {"Asia/Tokyo"}
