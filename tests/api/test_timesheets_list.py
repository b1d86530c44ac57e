"""GET /api/timesheets: filters, pagination headers, ordering, search, and its query cost
(contract TIMESHEETS §5.1, §7.5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from horae.security.permissions import permission_matrix
from horae.users.models import Role, RolePermission
from tests.api.test_timesheets import html5, yesterday_at
from tests.factories.timesheets import Work


def ids(response) -> list[int]:
    assert response.status_code == 200, response.text
    return [row["id"] for row in response.json()]


# --- pagination ---------------------------------------------------------------------------------


def test_pagination_headers_follow_kimai(make_user, catalog, timesheets):
    user = make_user()
    timesheets.many(user, catalog.work(), 22)
    with user.client() as client:
        response = client.get("/api/timesheets", params={"page": "2", "size": "4"})
    assert len(response.json()) == 4
    assert {k: response.headers[k] for k in ("x-page", "x-total-count", "x-total-pages", "x-per-page")} == {
        "x-page": "2",
        "x-total-count": "22",
        "x-total-pages": "6",
        "x-per-page": "4",
    }


def test_an_empty_list_still_has_one_page(make_user):
    with make_user().client() as client:
        response = client.get("/api/timesheets")
    assert response.json() == []
    assert response.headers["x-total-pages"] == "1"
    assert response.headers["x-total-count"] == "0"
    assert response.headers["x-per-page"] == "50"


def test_page_and_size_zero_mean_the_defaults_and_size_is_capped(make_user, catalog, timesheets):
    user = make_user()
    timesheets.many(user, catalog.work(), 2)
    with user.client() as client:
        response = client.get("/api/timesheets", params={"page": "0", "size": "0"})
        assert (response.headers["x-page"], response.headers["x-per-page"]) == ("1", "50")
        assert client.get("/api/timesheets", params={"size": "1000"}).headers["x-per-page"] == "500"


def test_a_page_past_the_last_is_404(make_user, catalog, timesheets):
    user = make_user()
    timesheets.many(user, catalog.work(), 3)
    with user.client() as client:
        assert client.get("/api/timesheets", params={"page": "19", "size": "50"}).json() == {
            "code": 404,
            "message": "Not Found",
        }


@pytest.mark.parametrize(
    "params",
    [
        {"page": "x"},
        {"size": "-1"},
        {"user": "me"},
        {"users": "2"},
        {"users[]": "a"},
        {"customer": "1a"},
        {"customers": "1"},
        {"projects[]": "x"},
        {"activity": "abc"},
        {"begin": "2024-01-01"},
        {"end": "2024-01-01 10:00:00"},
        {"modified_after": "2024-01-01T10:00"},
        {"exported": "2"},
        {"active": "true"},
        {"billable": "yes"},
        {"full": "yes"},
        {"orderBy": "duration"},
        {"order": "desc"},
        {"tags": "foo"},
    ],
)
def test_a_malformed_parameter_is_a_bad_request(make_user, params):
    with make_user().client() as client:
        assert client.get("/api/timesheets", params=params).json() == {"code": 400, "message": "Bad Request"}


# --- users --------------------------------------------------------------------------------------


def test_default_is_the_callers_own_records(make_user, catalog, timesheets):
    teamlead = make_user("ROLE_TEAMLEAD")
    member = make_user()
    catalog.team(members=[member], leads=[teamlead])
    work = catalog.work()
    own = timesheets.create(teamlead, work, yesterday_at(9), yesterday_at(10))
    timesheets.create(member, work, yesterday_at(9), yesterday_at(10))
    with teamlead.client() as client:
        assert ids(client.get("/api/timesheets")) == [own.id]


def test_user_filters_are_ignored_for_plain_users(make_user, catalog, timesheets):
    user = make_user()
    other = make_user()
    work = catalog.work()
    own = timesheets.create(user, work, yesterday_at(9), yesterday_at(10))
    timesheets.create(other, work, yesterday_at(9), yesterday_at(10))
    with user.client() as client:
        assert ids(client.get("/api/timesheets", params={"user": str(other.id)})) == [own.id]
        assert ids(client.get("/api/timesheets", params={"user": "all"})) == [own.id]
        assert ids(client.get("/api/timesheets", params={"users[]": str(other.id)})) == [own.id]


def test_user_all_for_a_teamlead_means_himself_and_the_members_of_teams_he_leads(
    make_user, catalog, timesheets
):
    teamlead = make_user("ROLE_TEAMLEAD")
    member, stranger = make_user(), make_user()
    catalog.team(members=[member], leads=[teamlead])
    work = catalog.work()
    mine = timesheets.create(teamlead, work, yesterday_at(9), yesterday_at(10))
    members = timesheets.create(member, work, yesterday_at(8), yesterday_at(9))
    timesheets.create(stranger, work, yesterday_at(7), yesterday_at(8))
    with teamlead.client() as client:
        assert ids(client.get("/api/timesheets", params={"user": "all"})) == [mine.id, members.id]


def test_user_all_for_a_teamlead_without_teams_is_only_himself(make_user, catalog, timesheets):
    teamlead = make_user("ROLE_TEAMLEAD")
    timesheets.many(make_user(), catalog.work(), 3)
    with teamlead.client() as client:
        assert ids(client.get("/api/timesheets", params={"user": "all"})) == []


def test_user_all_for_an_admin_is_everyone(make_user, catalog, timesheets):
    admin = make_user("ROLE_ADMIN")
    work = catalog.work()
    records = [
        timesheets.create(make_user(), work, yesterday_at(9 - i), yesterday_at(10 - i)) for i in range(3)
    ]
    with admin.client() as client:
        assert ids(client.get("/api/timesheets", params={"user": "all"})) == [r.id for r in records]


def test_user_and_users_filters_merge(make_user, catalog, timesheets):
    admin = make_user("ROLE_ADMIN")
    a, b, c = make_user(), make_user(), make_user()
    work = catalog.work()
    ra = timesheets.create(a, work, yesterday_at(9), yesterday_at(10))
    rb = timesheets.create(b, work, yesterday_at(8), yesterday_at(9))
    timesheets.create(c, work, yesterday_at(7), yesterday_at(8))
    with admin.client() as client:
        response = client.get(f"/api/timesheets?user={a.id}&users[]={b.id}&users[]=999999")
        assert ids(response) == [ra.id, rb.id]
        assert ids(client.get("/api/timesheets", params={"users[]": "999999"})) == []


def test_filtering_by_an_inaccessible_user_is_forbidden(make_user, catalog, timesheets):
    teamlead = make_user("ROLE_TEAMLEAD")
    member_elsewhere = make_user()
    catalog.team(members=[member_elsewhere])
    with teamlead.client() as client:
        response = client.get("/api/timesheets", params={"user": str(member_elsewhere.id)})
    assert response.json() == {"code": 403, "message": "Forbidden"}


def test_a_teamlead_may_filter_by_a_plain_user_in_no_team(make_user, catalog, timesheets):
    teamlead = make_user("ROLE_TEAMLEAD")
    loner = make_user()
    record = timesheets.create(loner, catalog.work(), yesterday_at(9), yesterday_at(10))
    with teamlead.client() as client:
        assert ids(client.get("/api/timesheets", params={"user": str(loner.id)})) == [record.id]


# --- customers, projects, activities, tags ------------------------------------------------------


def test_customer_project_and_activity_filters(make_user, catalog, timesheets):
    user = make_user()
    first, second = catalog.work(), catalog.work()
    extra_activity = catalog.activity(first.project)
    a = timesheets.create(user, first, yesterday_at(9), yesterday_at(10))
    b = timesheets.create(user, first, yesterday_at(8), yesterday_at(9), activity=extra_activity)
    c = timesheets.create(user, second, yesterday_at(7), yesterday_at(8))
    with user.client() as client:
        assert ids(client.get("/api/timesheets", params={"customer": first.customer.id})) == [a.id, b.id]
        assert ids(client.get(f"/api/timesheets?customers[]={second.customer.id}")) == [c.id]
        assert ids(
            client.get(f"/api/timesheets?projects[]={first.project.id}&project={second.project.id}")
        ) == [
            a.id,
            b.id,
            c.id,
        ]
        assert ids(client.get("/api/timesheets", params={"activity": extra_activity.id})) == [b.id]
        assert ids(client.get(f"/api/timesheets?activities[]={first.activity.id}")) == [a.id]


def test_unknown_filter_ids_are_dropped(make_user, catalog, timesheets):
    user = make_user()
    record = timesheets.create(user, catalog.work(), yesterday_at(9), yesterday_at(10))
    with user.client() as client:
        for name in ("customer", "project", "activity"):
            assert ids(client.get("/api/timesheets", params={name: "999999"})) == [record.id]


def test_filtering_by_an_inaccessible_entity_is_forbidden(make_user, catalog):
    user = make_user()
    team = catalog.team(members=[make_user()])
    hidden_customer = catalog.customer(teams=[team])
    hidden_project = catalog.project(catalog.customer(), teams=[team])
    hidden_activity = catalog.activity(None, teams=[team])
    with user.client() as client:
        for name, entity in (
            ("customer", hidden_customer),
            ("project", hidden_project),
            ("activity", hidden_activity),
        ):
            response = client.get("/api/timesheets", params={name: entity.id})
            assert response.json() == {"code": 403, "message": "Forbidden"}, name


def test_tags_filter_matches_any_found_tag_and_fails_when_none_exists(make_user, catalog, timesheets):
    user = make_user()
    work = catalog.work()
    test, admin_tag = catalog.tag("Test"), catalog.tag("Administration")
    hidden = catalog.tag("Hidden", visible=False)
    tagged = timesheets.create(user, work, yesterday_at(9), yesterday_at(10), tags=[test, admin_tag])
    other = timesheets.create(user, work, yesterday_at(8), yesterday_at(9), tags=[admin_tag])
    timesheets.create(user, work, yesterday_at(7), yesterday_at(8), tags=[hidden])
    with user.client() as client:
        assert ids(client.get("/api/timesheets?tags[]=Test")) == [tagged.id]
        assert ids(client.get("/api/timesheets?tags[]=Test&tags[]=Admin")) == [tagged.id]
        assert ids(client.get("/api/timesheets?tags[]=Test&tags[]=Administration")) == [tagged.id, other.id]
        for query in ("tags[]=Nothing-2-see&tags[]=not-existing-here", "tags[]=Hidden"):
            assert client.get(f"/api/timesheets?{query}").json() == {"code": 400, "message": "Bad Request"}


# --- times and states ---------------------------------------------------------------------------


def test_begin_and_end_both_compare_with_the_records_begin(make_user, catalog, timesheets):
    user = make_user(timezone="Europe/Berlin")
    work = catalog.work()
    early = timesheets.create(user, work, yesterday_at(8), yesterday_at(12))
    late = timesheets.create(user, work, yesterday_at(13), yesterday_at(14))
    with user.client() as client:
        assert ids(client.get("/api/timesheets", params={"begin": html5(yesterday_at(9))})) == [late.id]
        assert ids(client.get("/api/timesheets", params={"end": html5(yesterday_at(9))})) == [early.id]
        assert ids(client.get("/api/timesheets", params={"begin": html5(yesterday_at(8))})) == [
            late.id,
            early.id,
        ]
        assert ids(client.get("/api/timesheets", params={"end": html5(yesterday_at(13))})) == [
            late.id,
            early.id,
        ]


def test_begin_filter_is_read_in_the_callers_timezone(make_user, catalog, timesheets):
    user = make_user(timezone="America/New_York")
    record = timesheets.create(user, catalog.work(), yesterday_at(9), yesterday_at(10))
    with user.client() as client:
        wall = html5(record.begin.astimezone(yesterday_at(0, timezone="America/New_York").tzinfo))
        assert ids(client.get("/api/timesheets", params={"begin": wall})) == [record.id]
        later = html5(
            record.begin.astimezone(yesterday_at(0, timezone="America/New_York").tzinfo)
            + timedelta(seconds=1)
        )
        assert ids(client.get("/api/timesheets", params={"begin": later})) == []


def test_exported_active_and_billable_filters(make_user, catalog, timesheets):
    user = make_user()
    work = catalog.work()
    exported = timesheets.create(user, work, yesterday_at(9), yesterday_at(10), exported=True)
    unbillable = timesheets.create(user, work, yesterday_at(8), yesterday_at(9), billable=False)
    running = timesheets.create(user, work, datetime.now(UTC) - timedelta(hours=1))
    with user.client() as client:
        assert ids(client.get("/api/timesheets", params={"exported": "1"})) == [exported.id]
        assert ids(client.get("/api/timesheets", params={"exported": "0"})) == [running.id, unbillable.id]
        assert ids(client.get("/api/timesheets", params={"active": "1"})) == [running.id]
        assert ids(client.get("/api/timesheets", params={"active": "0"})) == [exported.id, unbillable.id]
        assert ids(client.get("/api/timesheets", params={"billable": "0"})) == [unbillable.id]
        assert ids(client.get("/api/timesheets", params={"billable": "1"})) == [running.id, exported.id]


def test_modified_after_is_utc_and_inclusive(make_user, catalog, timesheets):
    user = make_user(timezone="Asia/Tokyo")
    work = catalog.work()
    moment = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    older = timesheets.create(
        user, work, yesterday_at(9), yesterday_at(10), modified_at=moment - timedelta(seconds=1)
    )
    exact = timesheets.create(user, work, yesterday_at(8), yesterday_at(9), modified_at=moment)
    with user.client() as client:
        assert ids(client.get("/api/timesheets", params={"modified_after": "2024-05-01T12:00:00"})) == [
            exact.id
        ]
        assert ids(client.get("/api/timesheets", params={"modified_after": "2024-05-01T11:59:59"})) == [
            older.id,
            exact.id,
        ]


def test_patch_updates_the_modification_time(make_user, catalog, timesheets):
    user = make_user()
    record = timesheets.create(
        user, catalog.work(), yesterday_at(9), yesterday_at(10), modified_at=datetime(2020, 1, 1, tzinfo=UTC)
    )
    with user.client() as client:
        assert ids(client.get("/api/timesheets", params={"modified_after": "2021-01-01T00:00:00"})) == []
        client.patch(f"/api/timesheets/{record.id}", json={})
        assert ids(client.get("/api/timesheets", params={"modified_after": "2021-01-01T00:00:00"})) == [
            record.id
        ]


# --- search -------------------------------------------------------------------------------------


def test_term_words_must_all_occur_in_the_description(make_user, catalog, timesheets):
    user = make_user()
    work = catalog.work()
    both = timesheets.create(user, work, yesterday_at(9), yesterday_at(10), description="Fixed the Login bug")
    one = timesheets.create(user, work, yesterday_at(8), yesterday_at(9), description="login page")
    empty = timesheets.create(user, work, yesterday_at(7), yesterday_at(8))
    with user.client() as client:
        assert ids(client.get("/api/timesheets", params={"term": "login bug"})) == [both.id]
        assert ids(client.get("/api/timesheets", params={"term": "LOGIN"})) == [both.id, one.id]
        assert ids(client.get("/api/timesheets", params={"term": "!bug"})) == [one.id, empty.id]
        assert ids(client.get("/api/timesheets", params={"term": "100%"})) == []


def test_term_searches_meta_fields(make_user, catalog, timesheets):
    user = make_user()
    work = catalog.work()
    alpha = timesheets.create(user, work, yesterday_at(9), yesterday_at(10), meta={"ticket": ("ABC-1", True)})
    blank = timesheets.create(user, work, yesterday_at(8), yesterday_at(9), meta={"ticket": ("", True)})
    none = timesheets.create(user, work, yesterday_at(7), yesterday_at(8))
    with user.client() as client:
        assert ids(client.get("/api/timesheets", params={"term": "ticket:abc"})) == [alpha.id]
        assert ids(client.get("/api/timesheets", params={"term": "ticket:*"})) == [alpha.id]
        assert ids(client.get("/api/timesheets", params={"term": "ticket:~"})) == [none.id]
        assert ids(client.get("/api/timesheets", params={"term": 'ticket:""'})) == [blank.id, none.id]
        assert ids(client.get("/api/timesheets", params={"term": "ticket:!abc"})) == [blank.id, none.id]


# --- ordering -----------------------------------------------------------------------------------


def test_order_by_and_direction_with_id_as_tie_breaker(make_user, catalog, timesheets):
    user = make_user()
    work = catalog.work()
    same_begin = yesterday_at(9)
    a = timesheets.create(user, work, same_begin, yesterday_at(10), rate="30")
    b = timesheets.create(user, work, same_begin, yesterday_at(11), rate="10")
    c = timesheets.create(user, work, yesterday_at(7), yesterday_at(8), rate="20")
    running = timesheets.create(user, work, datetime.now(UTC) - timedelta(minutes=5))
    with user.client() as client:
        assert ids(client.get("/api/timesheets")) == [running.id, b.id, a.id, c.id]
        assert ids(client.get("/api/timesheets", params={"order": "ASC"})) == [c.id, a.id, b.id, running.id]
        assert ids(client.get("/api/timesheets", params={"orderBy": "rate", "order": "ASC"})) == [
            running.id,
            b.id,
            c.id,
            a.id,
        ]
        assert ids(client.get("/api/timesheets", params={"orderBy": "id"})) == [running.id, c.id, b.id, a.id]
        assert ids(client.get("/api/timesheets", params={"orderBy": "end"})) == [b.id, a.id, c.id, running.id]
        assert ids(client.get("/api/timesheets", params={"orderBy": "end", "order": "ASC"})) == [
            running.id,
            c.id,
            a.id,
            b.id,
        ]


# --- visibility and rates -----------------------------------------------------------------------


def test_own_records_on_team_restricted_projects_are_hidden_from_the_list_but_readable(
    make_user, catalog, timesheets
):
    user = make_user()
    team = catalog.team(members=[make_user()])
    open_work = catalog.work()
    customer = catalog.customer(teams=[team])
    project = catalog.project(customer)
    restricted = Work(customer, project, catalog.activity(project))
    hidden = timesheets.create(user, restricted, yesterday_at(9), yesterday_at(10))
    shown = timesheets.create(user, open_work, yesterday_at(8), yesterday_at(9))
    with user.client() as client:
        assert ids(client.get("/api/timesheets")) == [shown.id]
        assert client.get(f"/api/timesheets/{hidden.id}").status_code == 200


def _deny(backend, role: str, permission: str) -> None:
    with backend.db.session() as session:
        stored = Role(name=role)
        session.add(stored)
        session.flush()
        session.add(RolePermission(role_id=stored.id, permission=permission, allowed=False))
    permission_matrix.invalidate()


def test_rate_keys_are_decided_per_record(make_user, catalog, timesheets, backend):
    teamlead = make_user("ROLE_TEAMLEAD")
    member = make_user()
    catalog.team(members=[member], leads=[teamlead])
    work = catalog.work()
    own = timesheets.create(teamlead, work, yesterday_at(9), yesterday_at(10))
    members = timesheets.create(member, work, yesterday_at(8), yesterday_at(9))
    _deny(backend, "ROLE_TEAMLEAD", "view_rate_own_timesheet")
    with teamlead.client() as client:
        rows = {row["id"]: row for row in client.get("/api/timesheets", params={"user": "all"}).json()}
    assert "rate" not in rows[own.id] and "internalRate" not in rows[own.id]
    assert "rate" in rows[members.id] and "internalRate" in rows[members.id]


def test_counts_and_pages_agree_under_every_team_rule(make_user, catalog, timesheets):
    """The total is counted per project and activity before the team rules are applied: it must
    still be the number of records the pages show, whichever rule hides a record."""
    user, stranger = make_user(), make_user()
    mine, theirs = catalog.team(members=[user]), catalog.team(members=[stranger])
    customer = catalog.customer()
    project = catalog.project(customer)
    hidden_project = catalog.project(customer, teams=[theirs])
    shared_customer, closed_customer = catalog.customer(teams=[mine]), catalog.customer(teams=[theirs])
    shown = [
        Work(customer, project, catalog.activity(project)),
        Work(customer, project, catalog.activity(project)),
        Work(customer, project, catalog.activity(None)),
        Work(customer, project, catalog.activity(project, teams=[mine, theirs])),
        Work(shared_customer, catalog.project(shared_customer), catalog.activity(None)),
    ]
    hidden = [
        Work(closed_customer, catalog.project(closed_customer), catalog.activity(None)),
        Work(customer, hidden_project, catalog.activity(hidden_project)),
        Work(customer, project, catalog.activity(project, teams=[theirs])),
        Work(customer, project, catalog.activity(None, teams=[theirs])),
        # An open project with an activity of a project of another team.
        Work(customer, project, catalog.activity(hidden_project)),
    ]
    expected = []
    for n, work in enumerate(shown + hidden):
        records = timesheets.many(user, work, 3, start=yesterday_at(8) - timedelta(days=10 * n))
        expected += [record.id for record in records] if work in shown else []
    with user.client() as client:
        first = client.get("/api/timesheets", params={"size": 4})
        assert first.headers["x-total-count"] == str(len(expected)) == "15", first.headers
        listed = []
        for page in range(1, int(first.headers["x-total-pages"]) + 1):
            listed += ids(client.get("/api/timesheets", params={"size": 4, "page": page}))
        assert sorted(listed) == sorted(expected)
        # The customer filter joins the records' projects into the counted rows.
        both = {"customers[]": [shared_customer.id, customer.id], "size": 4}
        assert client.get("/api/timesheets", params=both).headers["x-total-count"] == "15"
        one = {"customers[]": [shared_customer.id]}
        assert client.get("/api/timesheets", params=one).headers["x-total-count"] == "3"
