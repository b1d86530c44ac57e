"""Every form of the web app refuses a POST without the token of the page that showed it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from horae.activities.models import Activity
from horae.comments.models import CustomerComment, ProjectComment
from horae.customers.models import Customer
from horae.db import utcnow
from horae.projects.models import Project
from horae.rates.models import ActivityRate, CustomerRate, ProjectRate
from horae.tags.models import Tag
from horae.teams.models import Team, TeamMember
from horae.timesheets.models import Timesheet
from horae.users.models import AccessToken, User
from horae.users.service import create_user
from horae.web.views import PAGE_MODULES
from tests.factories.web import sign_in_over_http
from tests.http import http_client

# Each POST form of the web app, with the fields it would otherwise accept.
FORMS = {
    "/logout": {},
    "/password/change": {"password": "brand-new-secret", "password_repeat": "brand-new-secret"},
    "/profile/personal": {"email": "changed@example.com"},
    "/profile/preferences": {"timezone": "UTC", "language": "en", "locale": "en", "first_weekday": "monday"},
    "/profile/password": {
        "current_password": "password-123",
        "password": "x" * 12,
        "password_repeat": "x" * 12,
    },
    "/profile/api-password": {"api_password": "y" * 12, "api_password_repeat": "y" * 12},
    "/profile/tokens": {"name": "forged"},
    "/profile/tokens/{token_id}/revoke": {},
    "/admin/settings": {"timesheet.mode": "punch"},
    "/admin/permissions": {"grant": "ROLE_USER:view_activity"},
    "/timer/start": {"project": "1", "activity": "1"},
    "/timesheets/create": {"begin": "2026-01-05T09:00", "end": "2026-01-05T10:00"},
    "/timesheets/{timesheet_id}/stop": {},
    "/timesheets/{timesheet_id}/restart": {},
    "/timesheets/{timesheet_id}/edit": {"begin": "2026-01-05T09:00", "end": "2026-01-05T12:00"},
    "/timesheets/{timesheet_id}/duplicate": {},
    "/timesheets/{timesheet_id}/delete": {},
    "/week": {"new-0": "1:00"},
}
for _plural in ("customers", "projects", "activities"):
    FORMS.update(
        {
            f"/{_plural}/create": {"name": "Forged"},
            f"/{_plural}/{{entity_id}}/edit": {"name": "Forged"},
            f"/{_plural}/{{entity_id}}/rates": {"rate": "1"},
            f"/{_plural}/{{entity_id}}/rates/{{rate_id}}/delete": {},
        }
    )
for _plural in ("customers", "projects"):
    FORMS.update(
        {
            f"/{_plural}/{{entity_id}}/comments": {"message": "Forged"},
            f"/{_plural}/{{entity_id}}/comments/{{comment_id}}/delete": {},
        }
    )
FORMS.update(
    {
        "/timesheets/export": {"format": "csv"},
        "/tags/create": {"name": "forged", "visible": "1"},
        "/tags/{tag_id:int}/edit": {"name": "forged"},
        "/tags/{tag_id:int}/delete": {},
        "/users/create": {
            "username": "forged",
            "email": "forged@example.com",
            "plainPassword": "forged-pass-1",
            "language": "en",
            "timezone": "UTC",
            "enabled": "1",
        },
        "/users/{user_id:int}/edit": {"email": "forged@example.com", "language": "en", "timezone": "UTC"},
        "/users/{user_id:int}/password": {"password": "forged-pass-1", "password_repeat": "forged-pass-1"},
        "/users/{user_id:int}/enable": {},
        "/users/{user_id:int}/disable": {},
        "/teams/create": {
            "name": "Forged",
            "member_rows": "1",
            "members.0.user": "1",
            "members.0.teamlead": "1",
        },
        "/teams/{team_id:int}/edit": {"name": "Forged", "member_rows": "0"},
        "/teams/{team_id:int}/delete": {},
        "/teams/{team_id:int}/access/{kind}": {"record": "1"},
        "/teams/{team_id:int}/access/{kind}/{record_id:int}/delete": {},
    }
)


def test_the_list_covers_every_post_form_of_the_web_app():
    routes = [route for module in PAGE_MODULES for route in module.router.routes]
    posted = {route.path for route in routes if "POST" in getattr(route, "methods", ())}
    assert posted - {"/login"} == set(FORMS)


def _path(template, backend, user):
    if "{token_id}" in template:
        with backend.db.session(write=False) as session:
            token_id = session.scalars(select(AccessToken.id).where(AccessToken.user_id == user.id)).first()
        return template.format(token_id=token_id)
    if "{timesheet_id}" in template:
        return template.format(timesheet_id=_entry(backend, user))
    if "{entity_id}" in template:
        return _catalog_path(template, backend, user)
    if "{tag_id:int}" in template:
        with backend.db.session() as session:
            tag = Tag(name="kept", visible=True)
            session.add(tag)
            session.flush()
            return template.replace("{tag_id:int}", str(tag.id))
    if "{user_id:int}" in template:
        with backend.db.session() as session:
            other = create_user(session, username="kept", email="kept@example.com", password="kept-pass-1")
            return template.replace("{user_id:int}", str(other.id))
    if "{team_id:int}" in template:
        with backend.db.session() as session:
            customer = Customer(name="Linked", country="DE", currency="EUR", timezone="UTC")
            team = Team(
                name="Kept", members=[TeamMember(user_id=user.id, teamlead=True)], customers=[customer]
            )
            session.add(team)
            session.flush()
            path = template.replace("{team_id:int}", str(team.id)).replace("{kind}", "customers")
            return path.replace("{record_id:int}", str(customer.id))
    return template


def _catalog_path(template, backend, user):
    """A record of the path's kind with one rate and one comment, so every form has a target."""
    kind = template.split("/")[1]
    rate_model, comment_model, parent = {
        "customers": (CustomerRate, CustomerComment, "customer_id"),
        "projects": (ProjectRate, ProjectComment, "project_id"),
        "activities": (ActivityRate, None, "activity_id"),
    }[kind]
    entry = _entry(backend, user)
    with backend.db.session() as session:
        record = session.get(Timesheet, entry)
        entity_id = {
            "customers": record.project.customer_id,
            "projects": record.project_id,
            "activities": record.activity_id,
        }[kind]
        rate = rate_model(**{parent: entity_id}, user_key=0, rate=Decimal("1"))
        session.add(rate)
        comment = None
        if comment_model is not None:
            comment = comment_model(**{parent: entity_id}, message="Kept", created_by_id=user.id)
            session.add(comment)
        session.flush()
        return template.format(entity_id=entity_id, rate_id=rate.id, comment_id=comment.id if comment else 0)


def _entry(backend, user):
    """A running entry of the user, so that each per-entry form has a real target."""
    with backend.db.session() as session:
        customer = Customer(name="Forgery test", country="DE", currency="EUR", timezone="UTC")
        session.add(customer)
        session.flush()
        project = Project(customer_id=customer.id, name="Forgery test")
        activity = Activity(name="Forgery test")
        session.add_all([project, activity])
        session.flush()
        begin = utcnow() - timedelta(hours=1)
        entry = Timesheet(
            user_id=user.id,
            project_id=project.id,
            activity_id=activity.id,
            begin=begin,
            timezone="UTC",
            date=begin.date(),
            rate=Decimal("0"),
        )
        session.add(entry)
        session.flush()
        return entry.id


def _entries(backend):
    with backend.db.session(write=False) as session:
        return [
            [(row.id, row.end, row.duration) for row in session.scalars(select(Timesheet))],
            [(row.id, row.name, row.visible) for row in session.scalars(select(Customer))],
            [(row.id, row.name) for row in session.scalars(select(Project))],
            [(row.id, row.name) for row in session.scalars(select(Activity))],
            len(session.scalars(select(CustomerRate)).all())
            + len(session.scalars(select(ProjectRate)).all()),
            len(session.scalars(select(CustomerComment)).all()),
            [(row.id, row.name, row.visible) for row in session.scalars(select(Tag))],
            [(row.id, row.enabled, row.password_hash) for row in session.scalars(select(User))],
            [(row.id, row.name, [c.id for c in row.customers]) for row in session.scalars(select(Team))],
        ]


@pytest.mark.parametrize("token", [None, "", "not-the-token"], ids=["missing", "empty", "wrong"])
@pytest.mark.parametrize("form", sorted(FORMS))
def test_a_form_without_its_token_is_refused(admin, backend, web_session, form, token):
    session = web_session(admin)
    data = dict(FORMS[form])
    if token is not None:
        data["csrf_token"] = token
    path = _path(form, backend, admin)
    before = _entries(backend)
    response = session.client.post(path, data=data)
    assert response.status_code == 403
    assert _entries(backend) == before
    assert response.headers["content-type"].startswith("text/html")
    assert "The form has expired or was sent from elsewhere." in response.text
    assert "content-security-policy" in response.headers


def test_a_refused_form_changes_nothing(admin, backend, web_session):
    session = web_session(admin)
    path = _path("/profile/tokens/{token_id}/revoke", backend, admin)
    assert session.client.post(path, data={}).status_code == 403
    assert session.client.post("/logout", data={}).status_code == 403
    assert session.get("/api/ping").status_code == 200
    with backend.db.session(write=False) as db_session:
        assert db_session.scalars(select(AccessToken).where(AccessToken.user_id == admin.id)).all()


def test_a_pending_password_change_is_also_protected(make_user, http):
    user = make_user(requires_password_reset=True)
    sign_in_over_http(http, user.username)
    response = http.post("/password/change", data=FORMS["/password/change"])
    assert response.status_code == 403


@pytest.mark.parametrize("token", [None, "", "x" * 43], ids=["missing", "empty", "wrong"])
def test_the_sign_in_form_without_its_token_is_refused(make_user, http, token):
    user = make_user()
    http.get("/login")
    data = {"login": user.username, "password": "password-123"}
    if token is not None:
        data["csrf_token"] = token
    response = http.post("/login", data=data)
    assert response.status_code == 403
    assert "horae_session" not in http.cookies


def test_the_sign_in_token_must_match_the_browser_cookie(make_user, backend):
    user = make_user()
    with (
        http_client(base_url=backend.base_url) as attacker,
        http_client(base_url=backend.base_url) as victim,
    ):
        forged = attacker.get("/login")
        victim.get("/login")
        token = forged.text.split('name="csrf_token" value="')[1].split('"')[0]
        response = victim.post(
            "/login", data={"csrf_token": token, "login": user.username, "password": "password-123"}
        )
    assert response.status_code == 403


def test_a_post_without_a_session_goes_to_sign_in(http):
    response = http.post("/profile/personal", data={"email": "x@example.com"})
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
