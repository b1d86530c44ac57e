"""The API endpoints of the web app: /api/actions and /api/dashboard (ENTITIES_AND_ADMIN §10)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from horae.db import utcnow
from horae.users.models import UserPreference


def _finished(timesheets, user, work):
    return timesheets.create(user, work, utcnow() - timedelta(hours=2), utcnow() - timedelta(hours=1))


def test_timesheet_actions_of_the_owner(make_user, catalog, timesheets):
    user = make_user()
    record = _finished(timesheets, user, catalog.work())
    with user.client() as api:
        response = api.get(f"/api/actions/timesheet/{record.id}/index/en")
    assert response.status_code == 200
    body = response.json()
    assert [action["id"] for action in body] == ["repeat", "edit", "copy", "divider0", "trash"]
    assert body[1] == {
        "id": "edit",
        "title": "Edit",
        "url": f"/timesheets/{record.id}/edit",
        "class": None,
        "attr": [],
        "divider": False,
    }
    assert body[3]["divider"] is True and body[3]["title"] is None
    assert body[4]["divider"] is True
    assert body[4]["attr"] == {
        "data-method": "POST",
        "data-action": f"/timesheets/{record.id}/delete",
        "data-confirm": "Delete this entry?",
    }


def test_the_documented_action_shape_takes_both_forms_of_attr(make_user, catalog, timesheets):
    """An empty attribute map travels as `[]` (Kimai's quirk), a filled one as an object: the
    document must take both, or generated clients refuse the answer."""
    from jsonschema import Draft202012Validator

    user = make_user()
    record = _finished(timesheets, user, catalog.work())
    with user.client() as api:
        schema = api.get("/api/doc.json").json()["components"]["schemas"]["PageAction"]
        body = api.get(f"/api/actions/timesheet/{record.id}/index/en").json()
    validator = Draft202012Validator(schema["properties"]["attr"])
    assert {type(action["attr"]) for action in body} == {list, dict}
    for action in body:
        assert not list(validator.iter_errors(action["attr"])), action
    assert list(validator.iter_errors(["x"]))


def test_action_titles_follow_the_locale(make_user, catalog, timesheets):
    user = make_user()
    record = _finished(timesheets, user, catalog.work())
    with user.client() as api:
        body = api.get(f"/api/actions/timesheet/{record.id}/index/de").json()
    assert body[1]["title"] == "Bearbeiten"
    assert body[4]["attr"]["data-confirm"] == "Diesen Eintrag löschen?"


def test_another_users_timesheet_actions_are_forbidden(make_user, catalog, timesheets):
    record = _finished(timesheets, make_user(), catalog.work())
    with make_user().client() as api:
        response = api.get(f"/api/actions/timesheet/{record.id}/index/en")
    assert response.status_code == 403


def test_actions_of_an_unknown_record_are_404(make_user):
    with make_user().client() as api:
        assert api.get("/api/actions/timesheet/999999/index/en").status_code == 404
        assert api.get("/api/actions/customer/999999/index/en").status_code == 404
        assert api.get("/api/actions/invoice/1/index/en").status_code == 404
        # Digits of other kinds are no id (str.isdigit takes a superscript three, int does not).
        for odd in ("³", "①", "٣"):
            assert api.get(f"/api/actions/timesheet/{odd}/index/en").status_code == 404, odd


def test_customer_actions_for_an_admin(admin, catalog):
    customer = catalog.customer()
    with admin.client() as api:
        body = api.get(f"/api/actions/customer/{customer.id}/index/en").json()
    assert [(action["id"], action["url"]) for action in body] == [
        ("edit", f"/customers/{customer.id}/edit"),
        ("create-project", f"/projects/create?parent={customer.id}"),
        ("filter", f"/timesheets?customer={customer.id}"),
    ]


def test_a_plain_user_may_not_see_a_projects_actions(make_user, catalog):
    project = catalog.project()
    with make_user().client() as api:
        response = api.get(f"/api/actions/project/{project.id}/index/en")
    assert response.status_code == 403


def test_a_teamlead_may_add_activities_but_not_edit_a_project_of_their_team(make_user, catalog):
    lead = make_user("ROLE_TEAMLEAD")
    team = catalog.team(leads=[lead])
    project = catalog.project(teams=[team])
    with lead.client() as api:
        body = api.get(f"/api/actions/project/{project.id}/index/en").json()
    assert [action["id"] for action in body] == ["create-activity", "filter"]


def test_activity_actions(admin, catalog):
    activity = catalog.activity()
    with admin.client() as api:
        body = api.get(f"/api/actions/activity/{activity.id}/custom/en").json()
    assert [action["id"] for action in body] == ["edit", "filter"]


def test_actions_need_authentication(http):
    assert http.get("/api/actions/customer/1/index/en").status_code == 401


def _widgets(backend, user):
    with backend.db.session(write=False) as session:
        return session.scalar(
            select(UserPreference.value).where(
                UserPreference.user_id == user.id, UserPreference.name == "dashboard_widgets"
            )
        )


def test_adding_a_widget_materialises_the_default_dashboard(make_user, backend):
    user = make_user()
    with user.client() as api:
        assert api.post("/api/dashboard/widgets/userDurationToday").status_code == 204
        assert api.post("/api/dashboard/widgets/userDurationToday").status_code == 204
    assert _widgets(backend, user) == (
        "PaginatedWorkingTimeChart,DurationToday,DurationWeek,DurationMonth,DurationYear,userDurationToday"
    )


@pytest.mark.parametrize("widget", ["nothing", "userdurationtoday", "activeUsersWeek"])
def test_an_unknown_or_unavailable_widget_is_404(make_user, widget):
    with make_user().client() as api:
        response = api.post(f"/api/dashboard/widgets/{widget}")
    assert response.status_code == 404


def test_a_teamlead_may_add_team_widgets(make_user, backend):
    user = make_user("ROLE_TEAMLEAD")
    with user.client() as api:
        assert api.post("/api/dashboard/widgets/activeUsersWeek").status_code == 204
    assert _widgets(backend, user).endswith(",activeUsersWeek")


def test_resetting_the_dashboard(make_user, backend):
    user = make_user()
    with user.client() as api:
        api.post("/api/dashboard/widgets/UserTeams")
        assert api.delete("/api/dashboard/widgets").status_code == 204
        assert api.delete("/api/dashboard/widgets").status_code == 204
    assert _widgets(backend, user) is None


def test_the_favorites_endpoint_exists(make_user):
    with make_user().client() as api:
        response = api.get("/api/favorites/timesheets")
    assert response.status_code == 200
    assert response.json() == []
