"""Who may do what with whose records (contract TIMESHEETS §7.3 to §7.6)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.api.test_timesheets import html5, new_body, yesterday_at
from tests.factories.timesheets import Work

FORBIDDEN = {"code": 403, "message": "Forbidden"}


def every_record_route(client, record_id: int) -> dict[str, int]:
    """The status of each per-record route, the destructive one last."""
    routes = {
        "get": client.get(f"/api/timesheets/{record_id}"),
        "patch": client.patch(f"/api/timesheets/{record_id}", json={"description": "hijacked"}),
        "stop": client.patch(f"/api/timesheets/{record_id}/stop"),
        "restart": client.patch(f"/api/timesheets/{record_id}/restart"),
        "duplicate": client.patch(f"/api/timesheets/{record_id}/duplicate"),
        "export": client.patch(f"/api/timesheets/{record_id}/export"),
        "meta": client.patch(f"/api/timesheets/{record_id}/meta", json={"name": "m", "value": "pwned"}),
        "delete": client.delete(f"/api/timesheets/{record_id}"),
    }
    return {name: response.status_code for name, response in routes.items()}


def test_a_user_cannot_read_someone_elses_record_but_unknown_ids_are_404_first(
    make_user, catalog, timesheets
):
    user = make_user()
    record = timesheets.create(make_user("ROLE_ADMIN"), catalog.work(), yesterday_at(9), yesterday_at(10))
    with user.client() as client:
        assert client.get(f"/api/timesheets/{record.id}").json() == FORBIDDEN
        assert client.get("/api/timesheets/88888").json() == {"code": 404, "message": "Not Found"}
        assert client.delete("/api/timesheets/88888").status_code == 404


def test_an_admin_reads_and_deletes_anyones_record(make_user, catalog, timesheets):
    admin = make_user("ROLE_ADMIN")
    record = timesheets.create(make_user(), catalog.work(), yesterday_at(9), yesterday_at(10))
    with admin.client() as client:
        assert client.get(f"/api/timesheets/{record.id}").status_code == 200
        assert client.delete(f"/api/timesheets/{record.id}").status_code == 204


def test_a_plain_member_of_the_owners_team_reaches_no_route(make_user, catalog, timesheets):
    teamlead = make_user("ROLE_TEAMLEAD")
    owner = make_user()
    catalog.team(members=[owner, teamlead])
    catalog.meta_field("m")
    record = timesheets.create(owner, catalog.work(), yesterday_at(9), yesterday_at(10), description="SECRET")
    with teamlead.client() as client:
        assert set(every_record_route(client, record.id).values()) == {403}
        assert client.get("/api/timesheets", params={"user": str(owner.id)}).json() == FORBIDDEN
    assert timesheets.load(record.id).description == "SECRET"


def test_a_customer_team_restriction_blocks_even_the_owners_teamlead(make_user, catalog, timesheets):
    teamlead = make_user("ROLE_TEAMLEAD")
    owner = make_user()
    catalog.team(members=[owner], leads=[teamlead])
    customer_team = catalog.team(members=[owner])
    customer = catalog.customer(teams=[customer_team])
    project = catalog.project(customer)
    record = timesheets.create(
        owner, Work(customer, project, catalog.activity(project)), yesterday_at(9), yesterday_at(10)
    )
    catalog.meta_field("m")
    with teamlead.client() as client:
        assert set(every_record_route(client, record.id).values()) == {403}


def test_the_owners_teamlead_reaches_the_record(make_user, catalog, timesheets):
    teamlead = make_user("ROLE_TEAMLEAD")
    owner = make_user()
    catalog.team(members=[owner], leads=[teamlead])
    record = timesheets.create(owner, catalog.work(), yesterday_at(9), yesterday_at(10))
    with teamlead.client() as client:
        assert client.get(f"/api/timesheets/{record.id}").status_code == 200
        assert client.patch(f"/api/timesheets/{record.id}", json={"description": "edited"}).status_code == 200
        assert client.patch(f"/api/timesheets/{record.id}/duplicate").status_code == 200
        assert client.patch(f"/api/timesheets/{record.id}/export").status_code == 200


def test_the_owner_always_reaches_his_record_despite_restrictive_teams(make_user, catalog, timesheets):
    owner = make_user()
    customer = catalog.customer(teams=[catalog.team()])
    project = catalog.project(customer)
    record = timesheets.create(
        owner, Work(customer, project, catalog.activity(project)), yesterday_at(9), yesterday_at(10)
    )
    with owner.client() as client:
        assert client.get(f"/api/timesheets/{record.id}").status_code == 200
        assert client.patch(f"/api/timesheets/{record.id}", json={"description": "self"}).status_code == 200


def test_a_super_admin_bypasses_every_team_gate(make_user, catalog, timesheets):
    admin = make_user("ROLE_SUPER_ADMIN")
    owner = make_user()
    catalog.team(members=[owner])
    customer = catalog.customer(teams=[catalog.team(members=[owner])])
    project = catalog.project(customer)
    record = timesheets.create(
        owner, Work(customer, project, catalog.activity(project)), yesterday_at(9), yesterday_at(10)
    )
    with admin.client() as client:
        assert client.patch(f"/api/timesheets/{record.id}", json={"description": "admin"}).status_code == 200
        assert client.delete(f"/api/timesheets/{record.id}").status_code == 204


def test_a_teamlead_from_an_unrelated_team_is_denied(make_user, catalog, timesheets):
    teamlead = make_user("ROLE_TEAMLEAD")
    owner = make_user()
    catalog.team(members=[owner])
    catalog.team(leads=[teamlead])
    record = timesheets.create(owner, catalog.work(), yesterday_at(9), yesterday_at(10))
    with teamlead.client() as client:
        assert client.get(f"/api/timesheets/{record.id}").json() == FORBIDDEN
        assert client.patch(f"/api/timesheets/{record.id}", json={"description": "x"}).json() == FORBIDDEN


def test_a_teamlead_reaches_regular_users_in_no_team(make_user, catalog, timesheets):
    teamlead = make_user("ROLE_TEAMLEAD")
    loner = make_user()
    record = timesheets.create(loner, catalog.work(), yesterday_at(9), yesterday_at(10))
    with teamlead.client() as client:
        assert client.get(f"/api/timesheets/{record.id}").status_code == 200


def test_a_teamlead_sees_member_rates_but_may_not_edit_them(make_user, catalog, timesheets):
    teamlead = make_user("ROLE_TEAMLEAD")
    member = make_user()
    catalog.team(members=[member], leads=[teamlead])
    record = timesheets.create(member, catalog.work(), yesterday_at(9), yesterday_at(10))
    with teamlead.client() as client:
        body = client.get(f"/api/timesheets/{record.id}").json()
        assert {"rate", "internalRate", "fixedRate", "hourlyRate"} <= set(body)
        response = client.patch(f"/api/timesheets/{record.id}", json={"hourlyRate": 10})
        assert response.json()["errors"]["errors"] == ["This form should not contain extra fields."]
        changed = client.patch(
            f"/api/timesheets/{record.id}", json={"billable": False, "exported": True}
        ).json()
    assert (changed["billable"], changed["exported"]) == (False, True)


def test_a_teamlead_lists_member_records_with_rates_in_both_shapes(make_user, catalog, timesheets):
    teamlead = make_user("ROLE_TEAMLEAD")
    member = make_user()
    catalog.team(members=[member], leads=[teamlead])
    theirs = timesheets.create(member, catalog.work(), yesterday_at(9), yesterday_at(10))
    mine = timesheets.create(teamlead, catalog.work(), yesterday_at(11), yesterday_at(12))
    with teamlead.client() as client:
        for full in ("false", "true"):
            listed = client.get("/api/timesheets", params={"user": "all", "full": full}).json()
            by_id = {entry["id"]: entry for entry in listed}
            assert set(by_id) == {theirs.id, mine.id}
            for entry in by_id.values():
                assert {"rate", "internalRate"} <= set(entry)
                assert not {"fixedRate", "hourlyRate"} & set(entry)
            owner = by_id[theirs.id]["user"]
            assert (owner["id"] if full == "true" else owner) == member.id


def test_a_teamlead_may_not_edit_or_delete_exported_member_records(make_user, catalog, timesheets):
    teamlead = make_user("ROLE_TEAMLEAD")
    member = make_user()
    catalog.team(members=[member], leads=[teamlead])
    record = timesheets.create(member, catalog.work(), yesterday_at(9), yesterday_at(10), exported=True)
    with teamlead.client() as client:
        assert client.patch(f"/api/timesheets/{record.id}", json={"description": "x"}).json() == FORBIDDEN
        assert client.delete(f"/api/timesheets/{record.id}").json() == FORBIDDEN
        assert client.patch(f"/api/timesheets/{record.id}/export").json() == FORBIDDEN


def test_a_user_may_not_edit_his_exported_record_but_an_admin_may(make_user, catalog, timesheets):
    user = make_user()
    admin = make_user("ROLE_ADMIN")
    record = timesheets.create(user, catalog.work(), yesterday_at(9), yesterday_at(10), exported=True)
    with user.client() as client:
        assert client.patch(f"/api/timesheets/{record.id}", json={"description": "x"}).json() == FORBIDDEN
    with admin.client() as client:
        assert client.patch(f"/api/timesheets/{record.id}", json={"description": "x"}).status_code == 200


def test_a_teamlead_stops_a_members_running_record_but_a_user_may_not_stop_others(
    make_user, catalog, timesheets
):
    teamlead = make_user("ROLE_TEAMLEAD")
    member, other = make_user(), make_user()
    catalog.team(members=[member], leads=[teamlead])
    record = timesheets.create(member, catalog.work(), datetime.now(UTC) - timedelta(hours=1))
    with other.client() as client:
        assert client.patch(f"/api/timesheets/{record.id}/stop").json() == FORBIDDEN
    assert timesheets.load(record.id).end is None
    with teamlead.client() as client:
        assert client.patch(f"/api/timesheets/{record.id}/stop").json()["end"] is not None


def test_restart_is_forbidden_once_the_project_is_out_of_reach(make_user, catalog, timesheets):
    user = make_user()
    work = catalog.work()
    record = timesheets.create(user, work, yesterday_at(9), yesterday_at(10))
    with user.client() as client:
        assert client.patch(f"/api/timesheets/{record.id}/restart").status_code == 200
        team = catalog.team(members=[make_user()])
        with catalog.db.session() as session:
            from horae.projects.models import Project
            from horae.teams.models import Team

            session.get(Project, work.project.id).teams = [session.get(Team, team.id)]
        assert client.patch(f"/api/timesheets/{record.id}/restart").json() == FORBIDDEN


def test_restart_and_duplicate_refuse_hidden_projects(make_user, catalog, timesheets):
    user = make_user()
    work = catalog.work()
    record = timesheets.create(user, work, yesterday_at(9), yesterday_at(10))
    catalog.update(work.customer, visible=False)
    with user.client() as client:
        assert client.patch(f"/api/timesheets/{record.id}/restart").json() == FORBIDDEN
        assert client.patch(f"/api/timesheets/{record.id}/duplicate").json() == FORBIDDEN


@pytest.mark.parametrize("mode", ["punch", "duration_fixed_begin"])
def test_a_teamlead_sets_times_in_restricted_modes_even_on_own_records(make_user, catalog, timesheets, mode):
    teamlead = make_user("ROLE_TEAMLEAD")
    catalog.setting("timesheet.mode", mode)
    record = timesheets.create(teamlead, catalog.work(), yesterday_at(9), yesterday_at(10))
    with teamlead.client() as client:
        response = client.patch(f"/api/timesheets/{record.id}", json={"end": html5(yesterday_at(11))})
    assert response.json()["duration"] == 7200


def test_list_and_recent_need_view_permissions(make_user, catalog, backend):
    from tests.api.test_timesheets_rules import deny

    user = make_user()
    deny(backend, "ROLE_USER", "view_own_timesheet")
    with user.client() as client:
        assert client.get("/api/timesheets").json() == FORBIDDEN
        assert client.get("/api/timesheets", params={"page": "x"}).json() == FORBIDDEN
        assert client.get("/api/timesheets/recent").json() == FORBIDDEN
        assert client.get("/api/timesheets/recent", params={"begin": "x"}).json() == FORBIDDEN
        assert client.get("/api/timesheets/active").json() == FORBIDDEN


def test_post_needs_create_own_timesheet(make_user, catalog, backend):
    from tests.api.test_timesheets_rules import deny

    user = make_user()
    deny(backend, "ROLE_USER", "create_own_timesheet")
    with user.client() as client:
        response = client.post(
            "/api/timesheets", json=new_body(catalog.work(), yesterday_at(9), yesterday_at(10))
        )
    assert response.json() == FORBIDDEN


def test_legacy_api_password_works_for_timesheets(make_user, catalog, timesheets):
    user = make_user()
    record = timesheets.create(user, catalog.work(), yesterday_at(9), yesterday_at(10))
    with user.client(legacy=True) as client:
        assert client.get(f"/api/timesheets/{record.id}").status_code == 200
