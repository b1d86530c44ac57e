"""The users pages over HTTP: list, filters, create, edit, password, enable and disable, and who
may do which."""

from __future__ import annotations

from sqlalchemy import select

from horae.teams.models import TeamMember
from horae.users.models import User
from tests.factories.web import sign_in_over_http
from tests.http import http_client

NEW_USER = {
    "username": "nora",
    "email": "nora@example.com",
    "alias": "Nora North",
    "title": "Designer",
    "accountNumber": "",
    "color": "",
    "plainPassword": "secret-pass-1",
    "language": "de",
    "timezone": "Europe/Vienna",
    "supervisor": "",
    "enabled": "1",
}


def _user(backend, **criteria):
    with backend.db.session(write=False) as session:
        query = select(User)
        for key, value in criteria.items():
            query = query.where(getattr(User, key) == value)
        user = session.scalars(query).first()
        if user is not None:
            _ = [(p.name, p.value) for p in user.preferences], [m.team_id for m in user.memberships]
        return user


def _edit_form(user, **changes):
    form = {
        "email": user.email,
        "alias": "",
        "title": "",
        "accountNumber": "",
        "color": "",
        "language": "en",
        "timezone": "Europe/Berlin",
        "supervisor": "",
        "enabled": "1",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


# --- creating ---------------------------------------------------------------------------------------


def test_a_super_admin_creates_a_user_with_roles_teams_and_a_supervisor(
    admin, backend, web_session, make_user, catalog
):
    boss = make_user()
    team = catalog.team("Design", leads=[boss])
    form = {**NEW_USER, "roles": ["ROLE_TEAMLEAD"], "teams": [str(team.id)], "supervisor": str(boss.id)}
    response = web_session(admin).post_form("/users/create", form)
    assert response.status_code == 303, response.text
    user = _user(backend, username="nora")
    assert response.headers["location"] == f"/users/{user.id}/edit?saved=user_created"
    assert (user.email, user.alias, user.title, user.enabled) == (
        "nora@example.com",
        "Nora North",
        "Designer",
        True,
    )
    assert user.roles == ["ROLE_TEAMLEAD"]
    assert user.supervisor_id == boss.id
    assert user.preference("language") == "de" and user.preference("timezone") == "Europe/Vienna"
    assert [(m.team_id, m.teamlead) for m in user.memberships] == [(team.id, False)]
    with httpx_client(backend) as client:
        assert sign_in_over_http(client, "nora", "secret-pass-1").status_code == 303


def httpx_client(backend):
    return http_client(base_url=backend.base_url, timeout=30)


def test_an_unchecked_enabled_box_creates_a_disabled_user(admin, backend, web_session):
    form = {k: v for k, v in NEW_USER.items() if k != "enabled"}
    assert web_session(admin).post_form("/users/create", form).status_code == 303
    assert _user(backend, username="nora").enabled is False


def test_create_messages_appear_at_their_fields(admin, backend, web_session, make_user):
    taken = make_user()
    form = {**NEW_USER, "username": "", "email": taken.email, "plainPassword": "short"}
    response = web_session(admin).post_form("/users/create", form)
    assert response.status_code == 422
    assert 'id="user-username-errors"' in response.text
    assert 'id="user-plainPassword-errors"' in response.text
    assert "This value is too short." in response.text
    # The typed values stay, the password does not.
    assert 'value="Nora North"' in response.text
    assert "short" not in response.text.split('id="user-plainPassword"')[1].split(">")[0]
    assert _user(backend, alias="Nora North") is None
    response = web_session(admin).post_form("/users/create", {**NEW_USER, "email": taken.email})
    assert response.status_code == 422
    assert 'id="user-email-errors"' in response.text
    assert "The email is already used." in response.text


def test_an_unknown_supervisor_or_team_is_refused(admin, backend, web_session):
    response = web_session(admin).post_form("/users/create", {**NEW_USER, "supervisor": "999999"})
    assert response.status_code == 422
    assert 'id="user-supervisor-errors"' in response.text
    response = web_session(admin).post_form("/users/create", {**NEW_USER, "teams": ["999999"]})
    assert response.status_code == 422
    assert 'id="user-teams-errors"' in response.text
    assert _user(backend, username="nora") is None


# --- who may do what --------------------------------------------------------------------------------


def test_a_plain_user_and_an_admin_see_no_users(make_user, web_session):
    other = make_user()
    for role in (None, "ROLE_ADMIN"):
        session = web_session(make_user(role))
        assert 'href="/users"' not in session.get("/dashboard").text
        assert session.get("/users").status_code == 403
        assert session.get("/users/create").status_code == 403
        assert session.post_form("/users/create", NEW_USER).status_code == 403
        assert session.get(f"/users/{other.id}/edit").status_code == 403
        assert session.post_form(f"/users/{other.id}/disable").status_code == 403


def test_only_a_super_admin_may_assign_the_super_admin_role(make_user, backend, web_session, set_permission):
    for permission in ("view_user", "create_user", "roles_other_profile", "edit_other_profile"):
        set_permission("ROLE_ADMIN", permission, True)
    session = web_session(make_user("ROLE_ADMIN"))
    page = session.get("/users/create").text
    assert 'value="ROLE_ADMIN"' in page
    assert 'value="ROLE_SUPER_ADMIN"' not in page
    response = session.post_form("/users/create", {**NEW_USER, "roles": ["ROLE_SUPER_ADMIN"]})
    assert response.status_code == 422
    assert 'id="user-roles-errors"' in response.text
    assert _user(backend, username="nora") is None
    # A super-admin's roles cannot be changed by someone who could not assign them.
    boss = make_user("ROLE_SUPER_ADMIN")
    page = session.get(f"/users/{boss.id}/edit").text
    assert 'name="roles"' not in page
    session.post_form(
        f"/users/{boss.id}/edit", _edit_form(_user(backend, id=boss.id), roles=["ROLE_TEAMLEAD"])
    )
    assert _user(backend, id=boss.id).roles == ["ROLE_SUPER_ADMIN"]


def test_a_teamlead_lists_only_themself_and_their_members(make_user, web_session, catalog, set_permission):
    set_permission("ROLE_TEAMLEAD", "view_user", True)
    lead = make_user("ROLE_TEAMLEAD", username="lena_lead")
    member = make_user(username="mark_member")
    make_user(username="olga_outsider")
    catalog.team("Crew", members=[member], leads=[lead])
    page = web_session(lead).get("/users").text
    assert "lena_lead" in page and "mark_member" in page
    assert "olga_outsider" not in page
    assert 'href="/users/create"' not in page


# --- editing ----------------------------------------------------------------------------------------


def test_a_super_admin_edits_a_user(admin, backend, web_session, make_user, catalog):
    user = make_user(username="edna")
    team = catalog.team("Ops", leads=[admin])
    stored = _user(backend, id=user.id)
    form = _edit_form(
        stored,
        alias="Edna Edit",
        title="Lead",
        language="de",
        requiresPasswordReset="1",
        roles=["ROLE_TEAMLEAD", "ROLE_ADMIN"],
        teams=[str(team.id)],
    )
    session = web_session(admin)
    page = session.get(f"/users/{user.id}/edit")
    assert page.status_code == 200 and "edna" in page.text
    response = session.post_form(f"/users/{user.id}/edit", form)
    assert response.status_code == 303, response.text
    changed = _user(backend, id=user.id)
    assert (changed.alias, changed.title, changed.requires_password_reset) == ("Edna Edit", "Lead", True)
    assert changed.roles == ["ROLE_TEAMLEAD", "ROLE_ADMIN"]
    assert changed.preference("language") == "de"
    assert [m.team_id for m in changed.memberships] == [team.id]
    # Unchecking the team leaves it again.
    form = _edit_form(changed, alias="Edna Edit", roles=["ROLE_TEAMLEAD"])
    assert session.post_form(f"/users/{user.id}/edit", form).status_code == 303
    assert _user(backend, id=user.id).memberships == []


def test_the_last_teamlead_cannot_leave_through_the_user_form(
    admin, backend, web_session, make_user, catalog
):
    lead = make_user()
    team = catalog.team("Solo", leads=[lead])
    stored = _user(backend, id=lead.id)
    response = web_session(admin).post_form(f"/users/{lead.id}/edit", _edit_form(stored))
    assert response.status_code == 422
    assert "At least one team leader must be assigned to the team." in response.text
    with backend.db.session(write=False) as session:
        assert session.scalars(select(TeamMember.team_id).where(TeamMember.user_id == lead.id)).all() == [
            team.id
        ]


def test_an_edit_with_a_bad_email_shows_the_message(admin, backend, web_session, make_user):
    user = make_user()
    stored = _user(backend, id=user.id)
    response = web_session(admin).post_form(
        f"/users/{user.id}/edit", _edit_form(stored, email="not-an-address")
    )
    assert response.status_code == 422
    assert 'id="user-email-errors"' in response.text
    assert _user(backend, id=user.id).email == user.email


def test_an_admin_sets_a_new_password(admin, backend, web_session, make_user):
    user = make_user()
    their_session = web_session(user)
    session = web_session(admin)
    response = session.post_form(
        f"/users/{user.id}/password", {"password": "short", "password_repeat": "short"}
    )
    assert response.status_code == 422
    assert 'id="new-password-errors"' in response.text
    response = session.post_form(
        f"/users/{user.id}/password", {"password": "brand-new-pass", "password_repeat": "brand-new-pass"}
    )
    assert response.status_code == 303
    # The old password's sessions end; the new password signs in.
    assert their_session.get("/dashboard").status_code == 303
    with httpx_client(backend) as client:
        assert sign_in_over_http(client, user.username, "brand-new-pass").status_code == 303


def test_nobody_sets_their_own_password_without_the_current_one(admin, make_user, backend, web_session):
    for person in (admin, make_user()):
        session = web_session(person)
        page = session.get(f"/users/{person.id}/edit")
        assert page.status_code == 200
        assert f'action="/users/{person.id}/password"' not in page.text
        form = {"password": "brand-new-pass", "password_repeat": "brand-new-pass"}
        assert session.post_form(f"/users/{person.id}/password", form).status_code == 403
    with httpx_client(backend) as client:
        assert sign_in_over_http(client, admin.username, "brand-new-pass").status_code != 303


def test_users_are_disabled_and_enabled_from_the_list(admin, backend, web_session, make_user):
    user = make_user(username="dora")
    their_session = web_session(user)
    session = web_session(admin)
    page = session.get("/users").text
    assert f'action="/users/{user.id}/disable"' in page
    assert f'action="/users/{admin.id}/disable"' not in page
    response = session.post_form(f"/users/{user.id}/disable")
    assert (response.status_code, response.headers["location"]) == (303, "/users?saved=user_disabled")
    assert _user(backend, id=user.id).enabled is False
    assert their_session.get("/dashboard").status_code == 303
    assert session.post_form(f"/users/{user.id}/enable").status_code == 303
    assert _user(backend, id=user.id).enabled is True
    # Nobody disables themself.
    assert session.post_form(f"/users/{admin.id}/disable").status_code == 403


# --- the list ---------------------------------------------------------------------------------------


def test_the_list_filters_by_search_role_and_status(admin, web_session, make_user):
    make_user("ROLE_TEAMLEAD", username="tina_lead")
    make_user(username="paul_plain")
    make_user(username="gone_user", enabled=False)
    session = web_session(admin)
    page = session.get("/users").text
    assert "tina_lead" in page and "paul_plain" in page and "gone_user" in page
    page = session.get("/users?role=ROLE_TEAMLEAD").text
    assert "tina_lead" in page and "paul_plain" not in page
    assert f'href="/users/{admin.id}/edit"' not in page
    page = session.get("/users?enabled=2").text
    assert "gone_user" in page and "paul_plain" not in page
    page = session.get("/users?enabled=1&term=paul").text
    assert "paul_plain" in page and "tina_lead" not in page


def test_the_list_has_pages(admin, web_session, make_user):
    for number in range(26):
        make_user(username=f"z_user_{number:02d}", token=False, api_password=None)
    session = web_session(admin)
    first = session.get("/users").text
    assert "Page 1 of 2" in first and "z_user_24" not in first
    second = session.get("/users?page=2").text
    assert "z_user_25" in second and f'href="/users/{admin.id}/edit"' not in second
    assert "z_user_25" in session.get("/users?page=99").text


def test_the_list_needs_a_fixed_number_of_queries(admin, backend, web_session, make_user, catalog):
    session = web_session(admin)
    team = catalog.team("Counted", leads=[admin])
    counter = backend.count_queries()
    assert session.get("/users").status_code == 200
    few = len(counter)
    users = [make_user("ROLE_TEAMLEAD", token=False, api_password=None) for _ in range(5)]
    catalog.team("More", members=users[1:], leads=[users[0]])
    assert team
    counter = backend.count_queries()
    assert session.get("/users").status_code == 200
    assert len(counter) == few, counter.statements


def test_the_pages_speak_german(make_user, web_session):
    german = make_user("ROLE_SUPER_ADMIN", language="de")
    session = web_session(german)
    assert "Neuer Benutzer" in session.get("/users").text
    assert "Neues Team" in session.get("/teams").text
    assert "Neues Schlagwort" in session.get("/tags").text
    assert "Personalnummer" in session.get("/users/create").text
