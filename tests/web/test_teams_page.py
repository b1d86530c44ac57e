"""The teams pages over HTTP: list, create, edit with members and teamleads, access to records,
delete, and who may do which."""

from __future__ import annotations

from sqlalchemy import select

from horae.teams.models import Team


def _team(backend, **criteria):
    with backend.db.session(write=False) as session:
        query = select(Team)
        for key, value in criteria.items():
            query = query.where(getattr(Team, key) == value)
        team = session.scalars(query).first()
        if team is not None:
            team.members_seen = sorted((m.user_id, m.teamlead) for m in team.members)
            team.customer_ids = [c.id for c in team.customers]
        return team


def _form(name, rows, color=""):
    form = {"name": name, "color": color, "member_rows": str(len(rows))}
    for index, (user, lead) in enumerate(rows):
        form[f"members.{index}.user"] = str(user) if user else ""
        if lead:
            form[f"members.{index}.teamlead"] = "1"
    return form


def test_an_admin_creates_a_team_with_members(make_user, backend, web_session):
    admin = make_user("ROLE_ADMIN")
    lead, member = make_user(), make_user()
    session = web_session(admin)
    page = session.get("/teams/create")
    assert page.status_code == 200
    assert 'name="members.0.user"' in page.text
    response = session.post_form(
        "/teams/create", _form("Designers", [(lead.id, True), ("", False), (member.id, False)])
    )
    assert response.status_code == 303, response.text
    team = _team(backend, name="Designers")
    assert response.headers["location"] == f"/teams/{team.id}/edit?saved=team_created"
    assert team.members_seen == sorted([(lead.id, True), (member.id, False)])


def test_a_team_without_a_teamlead_shows_the_message(make_user, backend, web_session):
    admin = make_user("ROLE_ADMIN")
    response = web_session(admin).post_form("/teams/create", _form("Leaderless", [(admin.id, False)]))
    assert response.status_code == 422
    assert 'id="team-members-errors"' in response.text
    assert "At least one team leader must be assigned to the team." in response.text
    assert _team(backend, name="Leaderless") is None


def test_a_bad_member_is_marked_in_its_own_row(make_user, backend, web_session, catalog):
    admin = make_user("ROLE_ADMIN")
    taken = catalog.team("Taken")
    disabled = make_user(enabled=False)
    form = _form("taken", [(admin.id, True), ("", False), (disabled.id, False)])
    response = web_session(admin).post_form("/teams/create", form)
    assert response.status_code == 422
    assert 'id="member-2-user-errors"' in response.text
    assert 'id="member-0-user-errors"' not in response.text
    response = web_session(admin).post_form("/teams/create", _form("TAKEN", [(admin.id, True)]))
    assert response.status_code == 422
    assert 'id="team-name-errors"' in response.text
    assert "This value is already used." in response.text
    assert _team(backend, id=taken.id).name == "Taken"


def test_an_admin_edits_members_and_deletes_a_team(make_user, backend, web_session, catalog):
    admin = make_user("ROLE_ADMIN")
    first, second = make_user(), make_user()
    team = catalog.team("Ops", members=[second], leads=[first])
    session = web_session(admin)
    page = session.get(f"/teams/{team.id}/edit").text
    assert 'value="Ops"' in page
    form = _form("Operations", [(first.id, False), (second.id, True)], color="#008080")
    assert session.post_form(f"/teams/{team.id}/edit", form).status_code == 303
    changed = _team(backend, id=team.id)
    assert (changed.name, changed.color) == ("Operations", "#008080")
    assert changed.members_seen == sorted([(first.id, False), (second.id, True)])
    response = session.post_form(f"/teams/{team.id}/delete")
    assert (response.status_code, response.headers["location"]) == (303, "/teams?saved=team_deleted")
    assert _team(backend, id=team.id) is None


def test_access_to_a_customer_is_granted_and_revoked(make_user, backend, web_session, catalog):
    admin = make_user("ROLE_ADMIN")
    team = catalog.team("Access", leads=[admin])
    customer = catalog.customer("Linked Corp")
    session = web_session(admin)
    page = session.get(f"/teams/{team.id}/edit").text
    assert f'<option value="{customer.id}">Linked Corp</option>' in page
    response = session.post_form(f"/teams/{team.id}/access/customers", {"record": str(customer.id)})
    assert response.status_code == 303
    assert _team(backend, id=team.id).customer_ids == [customer.id]
    response = session.post_form(f"/teams/{team.id}/access/customers/{customer.id}/delete")
    assert response.status_code == 303
    assert _team(backend, id=team.id).customer_ids == []
    assert session.post_form(f"/teams/{team.id}/access/planets", {"record": "1"}).status_code == 404


# --- who may do what --------------------------------------------------------------------------------


def test_a_plain_user_sees_no_teams(make_user, web_session, catalog):
    user = make_user()
    team = catalog.team("Hidden", leads=[user])
    session = web_session(user)
    assert 'href="/teams"' not in session.get("/dashboard").text
    assert session.get("/teams").status_code == 403
    assert session.get("/teams/create").status_code == 403
    assert session.get(f"/teams/{team.id}/edit").status_code == 403
    assert session.post_form(f"/teams/{team.id}/delete").status_code == 403


def test_a_teamlead_sees_and_edits_only_the_teams_they_lead(
    make_user, backend, web_session, catalog, set_permission
):
    set_permission("ROLE_TEAMLEAD", "view_team", True)
    set_permission("ROLE_TEAMLEAD", "edit_team", True)
    lead = make_user("ROLE_TEAMLEAD")
    own = catalog.team("Own crew", leads=[lead])
    other = catalog.team("Other crew", leads=[make_user()])
    session = web_session(lead)
    page = session.get("/teams").text
    assert "Own crew" in page and "Other crew" not in page
    assert f'/teams/{own.id}/delete"' not in page
    assert 'href="/teams/create"' not in page
    assert session.post_form(f"/teams/{own.id}/edit", _form("Own team", [(lead.id, True)])).status_code == 303
    assert _team(backend, id=own.id).name == "Own team"
    assert session.get(f"/teams/{other.id}/edit").status_code == 403
    assert (
        session.post_form(f"/teams/{other.id}/edit", _form("Taken over", [(lead.id, True)])).status_code
        == 403
    )
    assert session.post_form(f"/teams/{own.id}/delete").status_code == 403
    assert _team(backend, id=other.id).name == "Other crew"


def test_the_list_searches_and_needs_a_fixed_number_of_queries(make_user, backend, web_session, catalog):
    admin = make_user("ROLE_ADMIN")
    session = web_session(admin)
    alpha = catalog.team("Alpha", leads=[admin])
    catalog.customer("Customer A", teams=[alpha])
    counter = backend.count_queries()
    assert session.get("/teams").status_code == 200
    few = len(counter)
    for number in range(4):
        users = [make_user(token=False, api_password=None) for _ in range(2)]
        team = catalog.team(f"Beta {number}", members=users[1:], leads=users[:1])
        catalog.customer(f"Customer {number}", teams=[team])
    counter = backend.count_queries()
    page = session.get("/teams")
    assert page.status_code == 200
    assert len(counter) == few, counter.statements
    searched = session.get("/teams?term=alp").text
    assert "Alpha" in searched and "Beta 0" not in searched
