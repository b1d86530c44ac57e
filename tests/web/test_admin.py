"""Administration pages: the timesheet settings and the role permission matrix."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from horae.users.models import Role, RolePermission
from horae.web.admin import SETTING_FIELDS

# A complete, valid submission of the settings form (checkboxes: present means on).
VALID_SETTINGS = {
    "timesheet.mode": "duration_only",
    "timesheet.default_begin": "08:00",
    "timesheet.rounding.default.begin": "15",
    "timesheet.rounding.default.end": "15",
    "timesheet.rounding.default.duration": "0",
    "timesheet.rounding.default.mode": "closest",
    "timesheet.rounding.default.days": ["monday", "friday"],
    "timesheet.active_entries.hard_limit": "3",
    "timesheet.rules.allow_overlapping_records": "1",
    "timesheet.rules.require_activity": "1",
    "timesheet.rules.long_running_duration": "600",
    "timesheet.rules.lockdown_period_start": "first day of last month",
    "timesheet.rules.lockdown_period_end": "last day of last month 23:59:59",
    "timesheet.rules.lockdown_grace_period": "+10 days",
    "timesheet.rules.lockdown_period_timezone": "Europe/Vienna",
    "timesheet.duration_increment": "30",
    "timesheet.time_increment": "5",
}


@pytest.mark.parametrize("path", ["/admin/settings", "/admin/permissions"])
@pytest.mark.parametrize("role", [None, "ROLE_TEAMLEAD", "ROLE_ADMIN"])
def test_the_administration_pages_are_closed_to_other_roles(make_user, web_session, path, role):
    session = web_session(make_user(role))
    page = session.get(path)
    assert page.status_code == 403
    assert page.headers["content-type"].startswith("text/html")
    assert "Access denied" in page.text
    assert session.post_form(path, {}).status_code == 403


@pytest.mark.parametrize("role", [None, "ROLE_ADMIN"])
def test_the_menu_hides_what_a_role_cannot_open(make_user, web_session, role):
    page = web_session(make_user(role)).get("/dashboard").text
    assert 'href="/admin/settings"' not in page
    assert 'href="/admin/permissions"' not in page


def test_the_menu_shows_the_administration_to_a_super_admin(admin, web_session):
    page = web_session(admin).get("/dashboard").text
    assert 'href="/admin/settings"' in page
    assert 'href="/admin/permissions"' in page


# --- settings ----------------------------------------------------------------------------------


def test_the_settings_page_shows_the_current_values(admin, web_session):
    page = web_session(admin).get("/admin/settings")
    assert page.status_code == 200
    assert '<option value="default" selected>' in page.text
    assert 'name="timesheet.active_entries.hard_limit" value="1"' in page.text
    for name in SETTING_FIELDS:
        assert f'name="{name}"' in page.text


def test_saved_settings_reach_the_api(admin, web_session):
    session = web_session(admin)
    response = session.post_form("/admin/settings", VALID_SETTINGS)
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/settings?saved=settings"
    with admin.client() as api:
        assert api.get("/api/config/timesheet").json() == {
            "trackingMode": "duration_only",
            "defaultBeginTime": "08:00",
            "activeEntriesHardLimit": 3,
            # Unticked checkboxes are stored as off.
            "isAllowFutureTimes": False,
            "isAllowOverlapping": True,
        }
    page = session.get("/admin/settings?saved=settings").text
    assert "The settings have been saved." in page
    assert 'value="monday" checked' in page and 'value="tuesday">' in page
    assert '<option value="Europe/Vienna" selected>' in page


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("timesheet.mode", "freestyle"),
        ("timesheet.rounding.default.mode", "sometimes"),
        ("timesheet.active_entries.hard_limit", "-1"),
        ("timesheet.duration_increment", "abc"),
    ],
)
def test_an_invalid_setting_saves_nothing(admin, web_session, name, value):
    session = web_session(admin)
    response = session.post_form("/admin/settings", {**VALID_SETTINGS, name: value})
    assert response.status_code == 422
    assert "This value is not valid." in response.text
    with admin.client() as api:
        assert api.get("/api/config/timesheet").json()["trackingMode"] == "default"


# --- permission matrix ---------------------------------------------------------------------------


def _current_grants(session):
    page = session.get("/admin/permissions").text
    cells = []
    for chunk in page.split('name="grant" value="')[1:]:
        value, rest = chunk.split('"', 1)
        tag = rest.split(">", 1)[0]
        if " checked" in tag and " disabled" not in tag:
            cells.append(value)
    return cells


def test_the_matrix_shows_every_role_and_the_defaults(admin, web_session):
    page = web_session(admin).get("/admin/permissions")
    assert page.status_code == 200
    for label in ("User", "Team lead", "Administrator", "System administrator"):
        assert f'<span class="role-name">{label}</span>' in page.text
    assert 'value="ROLE_USER:api_access" aria-label="api_access: User" checked' in page.text
    assert 'value="ROLE_USER:view_activity" aria-label="view_activity: User">' in page.text
    assert (
        'value="ROLE_SUPER_ADMIN:role_permissions" '
        'aria-label="role_permissions: System administrator" checked disabled' in page.text
    )


def test_removing_a_permission_takes_effect_at_once_and_stores_only_the_difference(
    make_user, admin, backend, web_session
):
    user = make_user()
    session = web_session(admin)
    grants = [cell for cell in _current_grants(session) if cell != "ROLE_USER:api_access"]
    response = session.post_form("/admin/permissions", {"grant": grants})
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/permissions?saved=permissions"
    with backend.db.session(write=False) as db_session:
        rows = db_session.execute(
            select(Role.name, RolePermission.permission, RolePermission.allowed).join(RolePermission.role)
        ).all()
    assert rows == [("ROLE_USER", "api_access", False)]
    with user.client() as api:
        assert api.get("/api/ping").status_code == 403
    # Granting it again removes the override.
    assert (
        session.post_form("/admin/permissions", {"grant": [*grants, "ROLE_USER:api_access"]}).status_code
        == 303
    )
    with backend.db.session(write=False) as db_session:
        assert db_session.scalars(select(RolePermission)).all() == []
    with user.client() as api:
        assert api.get("/api/ping").status_code == 200


def test_granting_a_permission_beyond_the_defaults(make_user, admin, web_session):
    session = web_session(admin)
    grants = [*_current_grants(session), "ROLE_USER:view_activity"]
    assert session.post_form("/admin/permissions", {"grant": grants}).status_code == 303
    page = session.get("/admin/permissions").text
    assert 'value="ROLE_USER:view_activity" aria-label="view_activity: User" checked' in page


def test_a_super_admin_keeps_the_right_to_repair_the_matrix(admin, backend, web_session):
    session = web_session(admin)
    grants = [cell for cell in _current_grants(session) if not cell.startswith("ROLE_SUPER_ADMIN:")]
    assert session.post_form("/admin/permissions", {"grant": grants}).status_code == 303
    assert session.get("/admin/permissions").status_code == 200
    assert session.get("/admin/settings").status_code == 403


def test_an_unknown_permission_is_refused(admin, backend, web_session):
    session = web_session(admin)
    response = session.post_form(
        "/admin/permissions", {"grant": [*_current_grants(session), "ROLE_USER:fly"]}
    )
    assert response.status_code == 422
    assert "Unknown permission: fly" in response.text
    with backend.db.session(write=False) as db_session:
        assert db_session.scalars(select(RolePermission)).all() == []


def test_the_matrix_page_needs_few_queries(admin, backend, web_session):
    session = web_session(admin)
    counter = backend.count_queries()
    assert session.get("/admin/permissions").status_code == 200
    # Session and user (3), the page's own queries, and at most one reload of the permission matrix.
    assert len(counter) <= 7, counter.statements
