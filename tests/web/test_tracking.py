"""Time tracking pages over HTTP: the header timers, the timer page, My times, the week grid and
the calendar, with their permissions and query counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.dialects import sqlite

from horae.activities.models import Activity
from horae.db import utcnow
from horae.teams.models import TeamMember
from horae.web.dashboard import calendar_periods
from tests.factories.timesheets import local, today


def _week_start():
    day = today()
    return day - timedelta(days=day.weekday())


# --- header and timer -------------------------------------------------------------------------------


def test_the_header_offers_a_start_button_when_no_timer_runs(make_user, web_session):
    page = web_session(make_user()).get("/dashboard").text
    assert 'data-start-timer aria-keyshortcuts="Alt+Shift+S"' in page
    assert "data-stop-timer" not in page


def test_the_header_shows_the_running_timer_with_a_stop_button(make_user, web_session, catalog, timesheets):
    user = make_user()
    work = catalog.work()
    record = timesheets.create(user, work, utcnow() - timedelta(minutes=30))
    page = web_session(user).get("/profile").text
    assert f'action="/timesheets/{record.id}/stop"' in page
    header = page.split('id="header-status"')[1].split("</div>")[0]
    assert work.activity.name in header
    assert '<input type="hidden" name="next" value="/profile">' in page
    # The stop form and the sign-out form carry the session's form token.
    token = page.split('<meta name="csrf-token" content="')[1].split('"')[0]
    field = f'<input type="hidden" name="csrf_token" value="{token}">'
    assert token and field in header
    assert field in page.split('action="/logout"')[1].split("</form>")[0]


def _timers_queries(statements: list[str]) -> list[str]:
    """The header's running-timers statements among a request's (`web/timers._running_of_user`)."""
    return [s for s in statements if "timesheets.description" in s and "IS NULL" in s and "LIMIT" in s]


def test_the_header_timers_are_kept_until_the_records_or_the_catalog_change(
    backend, make_user, web_session, catalog, timesheets
):
    """The running timers are kept under the counters read with the web session: a page whose
    person's records and catalog are unchanged reads no timers; starting, renaming and stopping
    are each seen on the next page, whichever process wrote them (here the test's own)."""
    user, other = make_user(), make_user()
    work = catalog.work()
    session = web_session(user)
    session.get("/profile")
    counter = backend.count_queries()
    page = session.get("/profile").text
    assert _timers_queries(counter.statements) == []
    assert "data-stop-timer" not in page

    record = timesheets.create(user, work, utcnow() - timedelta(minutes=30))
    counter = backend.count_queries()
    page = session.get("/profile").text
    assert len(_timers_queries(counter.statements)) == 1
    assert f'action="/timesheets/{record.id}/stop"' in page
    counter = backend.count_queries()
    session.get("/profile")
    assert _timers_queries(counter.statements) == []

    # Another person's records move only their own counter.
    timesheets.create(other, work, utcnow() - timedelta(minutes=5))
    counter = backend.count_queries()
    session.get("/profile")
    assert _timers_queries(counter.statements) == []

    with backend.db.session() as db_session:
        renamed = db_session.get(Activity, work.activity.id)
        assert renamed is not None
        renamed.name = "Renamed while running"
    page = session.get("/profile").text
    assert "Renamed while running" in page.split('id="header-status"')[1].split("</div>")[0]

    session.post_form(f"/timesheets/{record.id}/stop", {"next": "/profile"})
    page = session.get("/profile").text
    assert f'action="/timesheets/{record.id}/stop"' not in page
    assert "data-stop-timer" not in page


def test_stopping_from_the_header_returns_to_the_page(make_user, web_session, catalog, timesheets):
    user = make_user()
    record = timesheets.create(user, catalog.work(), utcnow() - timedelta(minutes=30))
    session = web_session(user)
    response = session.post_form(f"/timesheets/{record.id}/stop", {"next": "/profile"})
    assert response.status_code == 303
    assert response.headers["location"] == "/profile?saved=stopped"
    assert timesheets.load(record.id).end is not None


def test_stop_goes_only_to_local_pages(make_user, web_session, catalog, timesheets):
    user = make_user()
    record = timesheets.create(user, catalog.work(), utcnow() - timedelta(minutes=30))
    response = web_session(user).post_form(f"/timesheets/{record.id}/stop", {"next": "https://evil.example"})
    assert response.headers["location"] == "/timer?saved=stopped"


def test_a_timer_starts_from_the_quick_form(make_user, web_session, catalog, timesheets):
    user = make_user()
    work = catalog.work()
    catalog.tag("alpha")
    catalog.tag("beta")
    response = web_session(user).post_form(
        "/timer/start",
        {
            "customer": str(work.customer.id),
            "project": str(work.project.id),
            "activity": str(work.activity.id),
            "description": "Planning",
            "tags": "alpha, beta",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/timer?saved=started"
    [running] = timesheets.running(user)
    assert running.description == "Planning"
    assert sorted(tag.name for tag in timesheets.load(running.id).tags) == ["alpha", "beta"]


def test_a_start_without_project_and_activity_shows_messages_at_the_fields(
    make_user, web_session, timesheets
):
    user = make_user()
    response = web_session(user).post_form("/timer/start", {"description": "x"})
    assert response.status_code == 422
    assert 'id="start-project-errors"' in response.text
    assert 'id="start-activity-errors"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert timesheets.running(user) == []


def test_the_quick_form_offers_only_visible_projects(make_user, web_session, catalog):
    user = make_user()
    hidden = catalog.project(name="Hidden project", visible=False)
    shown = catalog.project(name="Shown project")
    page = web_session(user).get("/timer").text
    assert "Shown project" in page
    assert f'value="{shown.customer_id}"' in page
    assert "Hidden project" not in page and f'<option value="{hidden.id}" data-parent' not in page


def test_recent_activities_can_be_restarted(make_user, web_session, catalog, timesheets):
    user = make_user()
    work = catalog.work()
    record = timesheets.create(user, work, utcnow() - timedelta(hours=3), utcnow() - timedelta(hours=2))
    session = web_session(user)
    page = session.get("/timer").text
    assert f'action="/timesheets/{record.id}/restart"' in page
    response = session.post_form(f"/timesheets/{record.id}/restart", {"next": "/timer"})
    assert response.status_code == 303
    [running] = timesheets.running(user)
    assert running.activity_id == work.activity.id


def test_a_user_cannot_stop_another_users_timer(make_user, web_session, catalog, timesheets):
    owner = make_user()
    record = timesheets.create(owner, catalog.work(), utcnow() - timedelta(minutes=30))
    response = web_session(make_user()).post_form(f"/timesheets/{record.id}/stop")
    assert response.status_code == 403
    assert timesheets.load(record.id).end is None


# --- my times ---------------------------------------------------------------------------------------


def test_my_times_lists_own_entries_with_totals(make_user, web_session, catalog, timesheets):
    user = make_user("ROLE_TEAMLEAD")
    other = make_user()
    work = catalog.work()
    timesheets.create(user, work, local("2026-01-05T09:00:00"), local("2026-01-05T10:30:00"), rate="150")
    timesheets.create(user, work, local("2026-01-06T09:00:00"), local("2026-01-06T10:00:00"), rate="100")
    timesheets.create(other, work, local("2026-01-06T09:00:00"), local("2026-01-06T12:00:00"))
    page = web_session(user).get("/timesheets").text
    assert '<span class="stat-value" id="total-count">2</span>' in page
    assert 'id="total-duration" data-seconds="9000"' in page
    assert 'id="total-money">250.00<' in page


def test_a_plain_user_sees_no_money_in_my_times(make_user, web_session, catalog, timesheets):
    user = make_user()
    timesheets.create(
        user, catalog.work(), local("2026-01-05T09:00:00"), local("2026-01-05T10:00:00"), rate="9"
    )
    page = web_session(user).get("/timesheets").text
    assert 'id="total-money"' not in page
    assert "Amount" not in page


def test_my_times_filters_by_date_and_term(make_user, web_session, catalog, timesheets):
    user = make_user()
    work = catalog.work()
    timesheets.create(
        user, work, local("2026-01-05T09:00:00"), local("2026-01-05T10:00:00"), description="alpha work"
    )
    timesheets.create(
        user, work, local("2026-01-07T09:00:00"), local("2026-01-07T10:00:00"), description="beta work"
    )
    session = web_session(user)
    page = session.get("/timesheets?begin=2026-01-06&end=2026-01-07").text
    assert "beta work" in page and "alpha work" not in page
    page = session.get("/timesheets?term=alpha").text
    assert "alpha work" in page and "beta work" not in page
    # A NUL character occurs in no description: nothing matches, and its negation excludes nothing.
    nothing = session.get("/timesheets", params={"term": "alpha\x00"})
    assert nothing.status_code == 200 and "alpha work" not in nothing.text
    everything = session.get("/timesheets", params={"term": "work !alpha\x00 state:\x00"})
    assert everything.status_code == 200
    assert "alpha work" not in everything.text  # the meta word matches nothing either
    page = session.get("/timesheets", params={"term": "work !alpha\x00"}).text
    assert "alpha work" in page and "beta work" in page


def test_my_times_pages_through_many_entries(make_user, web_session, catalog, timesheets):
    user = make_user()
    timesheets.many(user, catalog.work(), 30)
    session = web_session(user)
    first = session.get("/timesheets").text
    assert "Page 1 of 2" in first
    assert first.count('<tr id="entry-') == 25
    second = session.get("/timesheets?page=2").text
    assert second.count('<tr id="entry-') == 5
    assert session.get("/timesheets?page=99").status_code == 200


def test_my_times_needs_a_fixed_number_of_queries(make_user, backend, web_session, catalog, timesheets):
    user = make_user()
    session = web_session(user)
    timesheets.many(user, catalog.work(), 3)
    counter = backend.count_queries()
    assert session.get("/timesheets").status_code == 200
    few = len(counter)
    # Over two pages of entries: page 1 and page 3 cost what the three entries cost (each
    # after a catalog change, so that the booking choices are read again as the first time).
    timesheets.many(user, catalog.work(), 60, start=datetime.now(UTC) - timedelta(days=40))
    for path in ("/timesheets", "/timesheets?page=3"):
        catalog.work()
        counter = backend.count_queries()
        page = session.get(path)
        assert page.status_code == 200
        assert len(counter) == few, "\n".join(s[:150] for s in counter.statements)
    assert "Page 3 of 3" in page.text
    # The totals' count is the pager's count: the records are not counted twice.
    counts = [s for s in counter.statements if "count(timesheets.id)" in s.lower()]
    assert len(counts) == 1, counts
    assert len(counter) <= 25, counter.statements


def test_the_booking_selects_follow_catalog_changes_and_are_kept_between_them(
    make_user, backend, web_session, catalog
):
    user = make_user()
    session = web_session(user)
    work = catalog.work()
    assert f'<option value="{work.activity.id}"' in session.get("/timer").text
    counter = backend.count_queries()
    assert session.get("/timer").status_code == 200
    kept = len(counter)
    added = catalog.activity(work.project, "Added later")
    team = catalog.team("Elsewhere", members=[make_user()])
    restricted = catalog.activity(None, "Restricted later", teams=[team])
    counter = backend.count_queries()
    page = session.get("/timer").text
    assert len(counter) > kept
    assert f'<option value="{added.id}" data-parent="{work.project.id}">Added later</option>' in page
    assert "Restricted later" not in page
    with backend.db.session() as db_session:
        hidden = db_session.get(Activity, added.id)
        assert hidden is not None
        hidden.visible = False
        db_session.add(TeamMember(team_id=team.id, user_id=user.id, teamlead=False))
    page = session.get("/timer").text
    assert "Added later" not in page
    assert f'<option value="{restricted.id}" data-parent="">Restricted later</option>' in page


def test_an_entry_is_created_from_my_times(make_user, web_session, catalog, timesheets):
    user = make_user()
    work = catalog.work()
    session = web_session(user)
    assert 'value="' in session.get("/timesheets/create?date=2026-01-05").text
    form = {
        "begin": "2026-01-05T09:00",
        "end": "2026-01-05T10:15",
        "project": str(work.project.id),
        "activity": str(work.activity.id),
        "description": "Review",
        "tags": "",
        "next": "/timesheets",
    }
    response = session.post_form("/timesheets/create", form)
    assert response.status_code == 303
    assert response.headers["location"] == "/timesheets?saved=timesheet_created"
    [record] = _records(timesheets, user)
    assert record.duration == 75 * 60
    assert record.description == "Review"
    assert "The entry has been saved." in session.get(response.headers["location"]).text


def test_editing_an_entry_changes_it(make_user, web_session, catalog, timesheets):
    user = make_user()
    work = catalog.work()
    record = timesheets.create(user, work, local("2026-01-05T09:00:00"), local("2026-01-05T10:00:00"))
    session = web_session(user)
    page = session.get(f"/timesheets/{record.id}/edit").text
    assert 'value="2026-01-05T09:00"' in page
    response = session.post_form(
        f"/timesheets/{record.id}/edit",
        {
            "begin": "2026-01-05T09:00",
            "end": "2026-01-05T11:00",
            "project": str(work.project.id),
            "activity": str(work.activity.id),
            "description": "Changed",
            "tags": "",
        },
    )
    assert response.status_code == 303
    changed = timesheets.load(record.id)
    assert changed.duration == 7200
    assert changed.description == "Changed"


def test_an_end_before_the_begin_is_shown_at_the_field(make_user, web_session, catalog, timesheets):
    user = make_user()
    work = catalog.work()
    record = timesheets.create(user, work, local("2026-01-05T09:00:00"), local("2026-01-05T10:00:00"))
    response = web_session(user).post_form(
        f"/timesheets/{record.id}/edit",
        {
            "begin": "2026-01-05T09:00",
            "end": "2026-01-05T08:00",
            "project": str(work.project.id),
            "activity": str(work.activity.id),
            "description": "",
            "tags": "",
        },
    )
    assert response.status_code == 422
    assert 'class="alert alert-error" role="alert"' in response.text
    assert timesheets.load(record.id).duration == 3600


def test_a_user_cannot_edit_another_users_entry(make_user, web_session, catalog, timesheets):
    owner = make_user()
    record = timesheets.create(
        owner, catalog.work(), local("2026-01-05T09:00:00"), local("2026-01-05T10:00:00")
    )
    session = web_session(make_user())
    assert session.get(f"/timesheets/{record.id}/edit").status_code == 403
    response = session.post_form(
        f"/timesheets/{record.id}/edit", {"begin": "2026-01-05T09:00", "end": "2026-01-05T12:00"}
    )
    assert response.status_code == 403
    assert session.post_form(f"/timesheets/{record.id}/delete").status_code == 403
    assert session.post_form(f"/timesheets/{record.id}/duplicate").status_code == 403
    assert timesheets.load(record.id).duration == 3600


def test_an_unknown_entry_is_a_404_page(make_user, web_session):
    response = web_session(make_user()).get("/timesheets/999999/edit")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")


def test_an_entry_is_duplicated_and_deleted_from_the_list(make_user, web_session, catalog, timesheets):
    user = make_user()
    work = catalog.work()
    record = timesheets.create(user, work, local("2026-01-05T09:00:00"), local("2026-01-05T10:00:00"))
    session = web_session(user)
    response = session.post_form(f"/timesheets/{record.id}/duplicate", {"next": "/timesheets?term=x"})
    assert response.headers["location"] == "/timesheets?term=x&saved=timesheet_duplicated"
    assert timesheets.count(user_id=user.id) == 2
    response = session.post_form(f"/timesheets/{record.id}/delete")
    assert response.status_code == 303
    assert timesheets.load(record.id) is None
    assert timesheets.count(user_id=user.id) == 1


def test_an_admin_sees_no_other_users_entries_in_my_times(admin, make_user, web_session, catalog, timesheets):
    other = make_user()
    timesheets.create(
        other,
        catalog.work(),
        local("2026-01-05T09:00:00"),
        local("2026-01-05T10:00:00"),
        description="theirs",
    )
    page = web_session(admin).get("/timesheets").text
    assert "theirs" not in page


# --- week grid --------------------------------------------------------------------------------------


def test_the_week_grid_books_a_new_cell(make_user, web_session, catalog, timesheets):
    user = make_user()
    work = catalog.work()
    session = web_session(user)
    monday = _week_start()
    response = session.post_form(
        "/week",
        {
            "week": monday.isoformat(),
            "new_project": str(work.project.id),
            "new_activity": str(work.activity.id),
            "new-1": "2:30",
        },
    )
    assert response.status_code == 303, response.text
    [record] = [timesheets.load(r.id) for r in _records(timesheets, user)]
    assert record.duration == 9000
    assert record.date == monday + timedelta(days=1)
    page = session.get(f"/week?date={monday.isoformat()}").text
    assert f'name="cell-{work.project.id}-{work.activity.id}-1"' in page
    assert 'value="2:30"' in page


def test_the_week_grid_changes_and_clears_a_cell(make_user, web_session, catalog, timesheets):
    user = make_user()
    work = catalog.work()
    monday = _week_start()
    begin = datetime.combine(monday, datetime.min.time()).replace(hour=8)
    record = timesheets.create(
        user, work, local(begin.isoformat()), local((begin + timedelta(hours=1)).isoformat())
    )
    session = web_session(user)
    cell = f"cell-{work.project.id}-{work.activity.id}-0"
    response = session.post_form("/week", {"week": monday.isoformat(), cell: "1.5"})
    assert response.status_code == 303
    assert timesheets.load(record.id).duration == 5400
    response = session.post_form("/week", {"week": monday.isoformat(), cell: ""})
    assert response.status_code == 303
    assert timesheets.load(record.id) is None


def test_a_bad_duration_in_the_grid_is_shown_at_its_cell_and_nothing_is_saved(
    make_user, web_session, catalog, timesheets
):
    user = make_user()
    work = catalog.work()
    monday = _week_start()
    response = web_session(user).post_form(
        "/week",
        {
            "week": monday.isoformat(),
            "new_project": str(work.project.id),
            "new_activity": str(work.activity.id),
            "new-0": "1:00",
            "new-2": "soon",
        },
    )
    assert response.status_code == 422
    assert 'id="new-2-errors"' in response.text
    assert 'value="soon"' in response.text
    assert timesheets.count(user_id=user.id) == 0


def test_the_week_grid_needs_a_fixed_number_of_queries(make_user, backend, web_session, catalog, timesheets):
    user = make_user()
    session = web_session(user)
    monday = _week_start()
    start = datetime.combine(monday, datetime.min.time()).replace(hour=9, tzinfo=UTC)
    for _ in range(4):
        timesheets.many(user, catalog.work(), 3, start=start + timedelta(days=3))
    counter = backend.count_queries()
    assert session.get(f"/week?date={monday.isoformat()}").status_code == 200
    few = len(counter)
    for _ in range(4):
        timesheets.many(user, catalog.work(), 2, start=start + timedelta(days=1))
    counter = backend.count_queries()
    assert session.get(f"/week?date={monday.isoformat()}").status_code == 200
    assert len(counter) == few, counter.statements
    assert len(counter) <= 30, counter.statements


def _records(timesheets, user):
    with timesheets.db.session(write=False) as session:
        from horae.timesheets.models import Timesheet

        return list(session.query(Timesheet).filter(Timesheet.user_id == user.id))


# --- calendar ---------------------------------------------------------------------------------------


def test_the_calendar_shows_the_weeks_entries_by_day(make_user, backend, web_session, catalog, timesheets):
    user = make_user()
    work = catalog.work()
    monday = _week_start()
    begin = datetime.combine(monday + timedelta(days=2), datetime.min.time()).replace(hour=10)
    timesheets.create(user, work, local(begin.isoformat()), local((begin + timedelta(hours=2)).isoformat()))
    session = web_session(user)
    counter = backend.count_queries()
    page = session.get(f"/calendar?date={monday.isoformat()}").text
    assert len(counter) <= 16, counter.statements
    assert 'data-start="600" data-end="720"' in page
    assert work.activity.name in page


def test_a_user_without_tracking_gets_403_on_tracking_pages(admin, make_user, web_session):
    administrator = web_session(admin)
    page = administrator.get("/admin/permissions").text
    grants = []
    for chunk in page.split('name="grant" value="')[1:]:
        value, rest = chunk.split('"', 1)
        tag = rest.split(">", 1)[0]
        if " checked" in tag and " disabled" not in tag and value != "ROLE_USER:view_own_timesheet":
            grants.append(value)
    assert administrator.post_form("/admin/permissions", {"grant": grants}).status_code == 303
    web = web_session(make_user())
    for path in ("/timer", "/timesheets", "/week", "/calendar"):
        assert web.get(path).status_code == 403, path
    header = web.get("/profile").text
    assert "data-start-timer" not in header
    assert 'href="/timer"' not in header


# --- dashboard --------------------------------------------------------------------------------------


def test_the_dashboard_shows_money_of_the_week_and_month_with_the_rate_permission(
    make_user, web_session, catalog, timesheets
):
    user = make_user("ROLE_TEAMLEAD", timezone="Europe/Berlin")
    # An hour from the person's midnight: in today's week and month at any time of day.
    (today, _, _), _ = calendar_periods(utcnow(), "Europe/Berlin", "monday")
    began = today.start + timedelta(minutes=1)
    timesheets.create(user, catalog.work(), began, began + timedelta(hours=1), rate="42")
    page = web_session(user).get("/dashboard").text
    assert '<span id="money-week">42.00</span>' in page
    assert '<span id="money-month">42.00</span>' in page
    assert 'id="money-today"' not in page


def test_a_plain_user_sees_no_money_on_the_dashboard(make_user, web_session):
    assert 'id="money-week"' not in web_session(make_user()).get("/dashboard").text


def test_the_dashboard_offers_recent_activities_to_start(make_user, web_session, catalog, timesheets):
    user = make_user()
    work = catalog.work()
    record = timesheets.create(user, work, utcnow() - timedelta(hours=3), utcnow() - timedelta(hours=2))
    page = web_session(user).get("/dashboard").text
    assert f'action="/timesheets/{record.id}/restart"' in page


def test_a_teamlead_sees_the_running_timers_of_the_team(make_user, web_session, catalog, timesheets):
    lead = make_user("ROLE_TEAMLEAD")
    member = make_user(alias="Mia Member")
    other_member = make_user(alias="Olli Other")
    stranger = make_user(alias="Sam Stranger")
    catalog.team(members=[member], leads=[lead])
    catalog.team(members=[other_member], leads=[lead])
    work = catalog.work()
    began = utcnow() - timedelta(minutes=20)
    timesheets.create(member, work, began)
    timesheets.create(other_member, work, began - timedelta(minutes=5))
    timesheets.create(stranger, work, utcnow() - timedelta(minutes=20))
    page = web_session(lead).get("/dashboard").text
    assert "Running in your teams" in page
    assert "Mia Member" in page and "Olli Other" in page
    assert "Sam Stranger" not in page
    # The page's script counts up from the begin, in milliseconds since 1970.
    assert f'data-since="{int(began.timestamp()) * 1000}"' in page
    assert "Running in your teams" not in web_session(member).get("/dashboard").text


def test_the_team_timers_statement_is_kept_per_set_of_led_teams():
    """The led teams' ids are written into the kept statement: SQLAlchemy renders it once, not
    again at each execution as it does a list parameter."""
    from horae.web.dashboard import _team_timers

    assert _team_timers(frozenset({3, 1})) is _team_timers(frozenset({1, 3}))
    compiled = _team_timers(frozenset({3, 1})).compile(dialect=sqlite.dialect())
    assert not compiled.post_compile_params
    assert "team_members.team_id IN (1, 3)" in compiled.string


def test_in_punch_mode_a_user_edits_an_entry_without_its_times(make_user, web_session, catalog, timesheets):
    catalog.setting("timesheet.mode", "punch")
    user = make_user()
    work = catalog.work()
    record = timesheets.create(user, work, local("2026-01-05T09:00:00"), local("2026-01-05T10:00:00"))
    session = web_session(user)
    page = session.get(f"/timesheets/{record.id}/edit").text
    assert 'name="begin"' not in page
    response = session.post_form(
        f"/timesheets/{record.id}/edit",
        {
            "begin": "2026-01-05T06:00",
            "project": str(work.project.id),
            "activity": str(work.activity.id),
            "description": "Punched",
            "tags": "",
        },
    )
    assert response.status_code == 303
    changed = timesheets.load(record.id)
    assert changed.description == "Punched"
    assert changed.duration == 3600


def test_the_timer_page_needs_a_fixed_number_of_queries(make_user, backend, web_session, catalog, timesheets):
    user = make_user()
    session = web_session(user)
    timesheets.many(user, catalog.work(), 2)
    counter = backend.count_queries()
    assert session.get("/timer").status_code == 200
    few = len(counter)
    for _ in range(5):
        timesheets.many(user, catalog.work(), 2)
    counter = backend.count_queries()
    assert session.get("/timer").status_code == 200
    assert len(counter) == few, counter.statements
    assert len(counter) <= 20, counter.statements
