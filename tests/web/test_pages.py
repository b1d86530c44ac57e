"""What every page shares: security headers, error pages, static files, language, the dashboard."""

from __future__ import annotations

import warnings
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from horae.app import create_app
from horae.db import utcnow
from horae.settings import Settings
from horae.teams.models import TeamMember
from horae.timesheets.models import Timesheet
from horae.web.dashboard import calendar_periods
from horae.web.headers import CONTENT_SECURITY_POLICY

BERLIN = ZoneInfo("Europe/Berlin")


def _assert_security_headers(response):
    headers = response.headers
    assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"


@pytest.mark.parametrize(
    "path", ["/dashboard", "/profile", "/admin/settings", "/admin/permissions", "/nowhere"]
)
def test_every_page_carries_the_security_headers(admin, web_session, path):
    response = web_session(admin).get(path)
    _assert_security_headers(response)
    assert response.headers["cache-control"] == "no-store"


def test_the_sign_in_page_and_redirects_carry_the_security_headers(http):
    page = http.get("/login")
    _assert_security_headers(page)
    assert page.headers["cache-control"] == "no-store"
    _assert_security_headers(http.get("/dashboard"))


def test_pages_have_no_inline_scripts_or_styles(admin, web_session):
    session = web_session(admin)
    for path in ("/login", "/dashboard", "/profile", "/admin/settings", "/admin/permissions"):
        html = session.get(path).text
        assert "<script>" not in html and "<script " not in html.replace('<script src="/static/', "")
        assert " style=" not in html and "<style" not in html
        assert " on" + "click=" not in html


def test_a_page_that_sets_a_security_header_itself_keeps_its_own():
    """The middleware adds only what an answer does not set (`web/headers.py`)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from horae.web.headers import SECURITY_HEADERS, SecurityHeadersMiddleware

    async def page(scope, receive, send):
        headers = [(b"content-type", b"text/html"), (b"X-Frame-Options", b"SAMEORIGIN")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"<p>framed</p>"})

    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request", "body": b""}

    scope = {"type": "http", "path": "/framed", "query_string": b"", "method": "GET", "headers": []}
    # In a thread of its own: a browser test before it leaves Playwright's loop running in this one.
    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, SecurityHeadersMiddleware(page)(scope, receive, send)).result()
    names = [name.lower() for name, _ in sent[0]["headers"]]
    headers = {name.lower(): value for name, value in sent[0]["headers"]}
    assert headers[b"x-frame-options"] == b"SAMEORIGIN"
    assert names.count(b"x-frame-options") == 1
    for name, value in SECURITY_HEADERS.items():
        if name != "X-Frame-Options":
            assert headers[name.lower().encode()] == value.encode()


def test_api_answers_keep_their_own_headers(make_user, http):
    with make_user().client() as api:
        response = api.get("/api/ping")
    assert "content-security-policy" not in response.headers


def test_static_files_are_served_with_long_caching_when_versioned(http):
    page = http.get("/login").text
    css = page.split('rel="stylesheet" href="')[1].split('"')[0]
    assert css.startswith("/static/horae.css?v=")
    response = http.get(css)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    _assert_security_headers(response)
    assert http.get("/static/horae.js").status_code == 200


def test_an_unknown_web_path_is_an_html_404_and_an_unknown_api_path_stays_json(make_user, http, web_session):
    anonymous = http.get("/nowhere")
    assert anonymous.status_code == 404
    assert anonymous.headers["content-type"].startswith("text/html")
    assert "Page not found" in anonymous.text
    assert 'href="/login"' in anonymous.text
    signed_in = web_session(make_user(alias="Zoe")).get("/nowhere")
    assert signed_in.status_code == 404
    assert "Zoe" in signed_in.text
    with make_user().client() as api:
        response = api.get("/api/nowhere")
    assert response.status_code == 404
    assert response.json() == {"code": 404, "message": "Not Found"}


def test_a_wrong_method_on_a_page_is_an_html_405(http):
    response = http.put("/login")
    assert response.status_code == 405
    assert response.headers["content-type"].startswith("text/html")


def test_an_unexpected_error_is_an_html_500_on_pages_and_json_on_the_api(backend):
    with warnings.catch_warnings():
        # Starlette's test client warns about its httpx dependency on import.
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    app = create_app(Settings(database_url=backend.url, environment="test"), db=backend.db)

    @app.get("/broken-page")
    def broken_page() -> None:
        raise RuntimeError("boom")

    @app.get("/api/broken")
    def broken_api() -> None:
        raise RuntimeError("boom")

    with TestClient(app, raise_server_exceptions=False) as client:
        page = client.get("/broken-page")
        api = client.get("/api/broken")
    assert page.status_code == 500
    assert "Something went wrong" in page.text
    assert "boom" not in page.text
    _assert_security_headers(page)
    assert api.status_code == 500
    assert api.json() == {"code": 500, "message": "Internal Server Error"}


def test_the_sign_in_page_follows_the_browser_language(http):
    german = http.get("/login", headers={"Accept-Language": "fr;q=0.9, de-AT;q=0.8, en;q=0.1"})
    assert '<html lang="de">' in german.text
    assert "Benutzername oder E-Mail" in german.text
    english = http.get("/login", headers={"Accept-Language": "fr, es"})
    assert '<html lang="en">' in english.text


def test_an_error_page_speaks_the_users_language(make_user, web_session):
    response = web_session(make_user(language="de")).get("/admin/settings")
    assert response.status_code == 403
    assert "Zugriff verweigert" in response.text


# --- dashboard -----------------------------------------------------------------------------------


def test_calendar_periods_follow_the_timezone_and_the_first_weekday():
    now = datetime(2026, 3, 29, 22, 30, tzinfo=ZoneInfo("UTC"))  # Monday 30 March, 00:30 in Berlin
    (today, week, month), days = calendar_periods(now, "Europe/Berlin", "monday")
    assert today.start == datetime(2026, 3, 30, tzinfo=BERLIN)
    assert week.start == datetime(2026, 3, 30, tzinfo=BERLIN)
    assert week.end == datetime(2026, 4, 6, tzinfo=BERLIN)
    assert month.start == datetime(2026, 3, 1, tzinfo=BERLIN)
    assert month.end == datetime(2026, 4, 1, tzinfo=BERLIN)
    assert [day.first_day.isoformat() for day in (days[0], days[6])] == ["2026-03-30", "2026-04-05"]
    (_, sunday_week, _), sunday_days = calendar_periods(now, "Europe/Berlin", "sunday")
    assert sunday_week.start == datetime(2026, 3, 29, tzinfo=BERLIN)
    # 29 March 2026, the change to summer time, has 23 hours.
    assert sunday_days[0].end - sunday_days[0].start == timedelta(hours=23)


def test_the_dashboard_sums_the_users_hours_in_their_timezone(make_user, web_session, work_entry):
    user = make_user(timezone="Europe/Berlin")
    other = make_user()
    now = utcnow().astimezone(BERLIN)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    (_, week, month), _ = calendar_periods(utcnow(), "Europe/Berlin", "monday")
    # Today from local midnight: counts for today, the week and the month.
    work_entry(user, midnight + timedelta(minutes=1), 90)
    # Just before local midnight: not today (even though it is the same UTC day for part of the year).
    work_entry(user, midnight - timedelta(minutes=30), 20)
    work_entry(other, midnight + timedelta(minutes=5), 600)
    expected_today = 90 * 60
    expected_week = 90 * 60 + (20 * 60 if (midnight - timedelta(minutes=30)) >= week.start else 0)
    expected_month = 90 * 60 + (20 * 60 if (midnight - timedelta(minutes=30)) >= month.start else 0)
    page = web_session(user).get("/dashboard")
    assert page.status_code == 200

    def shown(key):
        return page.text.split(f'id="total-{key}"')[1].split('data-seconds="')[1].split('"')[0]

    assert int(shown("today")) == expected_today
    assert int(shown("week")) == expected_week
    assert int(shown("month")) == expected_month
    assert ">1:30<" in page.text


def test_the_dashboard_counts_a_running_timer_up_to_now(make_user, web_session, work_entry):
    user = make_user()
    started = utcnow() - timedelta(minutes=30)
    if started.astimezone(BERLIN).date() != utcnow().astimezone(BERLIN).date():
        pytest.skip("the timer would have started yesterday")
    work_entry(user, started, None, description="Still going")
    page = web_session(user).get("/dashboard").text
    seconds = int(page.split('id="total-today"')[1].split('data-seconds="')[1].split('"')[0])
    assert 30 * 60 <= seconds <= 31 * 60
    assert "running" in page
    assert "Still going" in page


def test_a_running_record_counts_into_each_period_it_overlaps(make_user, db, work_entry):
    """From its begin (yesterday, 22:00 local) up to now: the part before midnight in yesterday
    and the rest in today; in none of the other days of the week."""
    from horae.web.dashboard import Period, SumScope, period_sums

    user = make_user(timezone="Europe/Berlin")
    now = utcnow()
    (today, _, _), days = calendar_periods(now, "Europe/Berlin", "monday")
    began = today.start - timedelta(hours=2)
    work_entry(user, began, None)
    yesterday = Period(
        "yesterday", today.first_day - timedelta(days=1), today.start - timedelta(days=1), today.start
    )
    tomorrow = Period(
        "tomorrow", today.first_day + timedelta(days=1), today.end, today.end + timedelta(days=1)
    )
    periods = [yesterday, today, tomorrow, *days]
    scope = SumScope(("running-test", user.id), lambda: Timesheet.user_id == user.id, periods)
    with db.session(write=False) as session:
        (found,) = period_sums(session, [scope], now)
    assert found.seconds["yesterday"] == 2 * 3600
    assert found.seconds["today"] == int((now - today.start).total_seconds())
    assert found.seconds["tomorrow"] == 0
    for day in days:
        if day.first_day == today.first_day:
            assert found.seconds[day.key] == found.seconds["today"]
        elif day.first_day == yesterday.first_day:
            assert found.seconds[day.key] == 2 * 3600
        else:
            assert found.seconds[day.key] == 0
    assert set(found.money.values()) == {Decimal(0)}


def test_the_dashboard_lists_the_latest_entries_newest_first(make_user, web_session, work_entry):
    user = make_user()
    base = utcnow() - timedelta(days=3)
    for number in range(12):
        work_entry(user, base + timedelta(hours=number), 30, description=f"Entry {number:02d}")
    page = web_session(user).get("/dashboard").text
    shown = [f"Entry {number:02d}" for number in range(12) if f"Entry {number:02d}" in page]
    assert shown == [f"Entry {number:02d}" for number in range(2, 12)]
    assert page.index("Entry 11") < page.index("Entry 02")


def test_the_dashboard_without_entries_says_so(make_user, web_session):
    page = web_session(make_user()).get("/dashboard").text
    assert "No entries yet." in page
    assert 'data-seconds="0"' in page


def _statements(counter) -> list[str]:
    return [sql for sql in counter.statements if sql not in ("BEGIN", "COMMIT")]


def test_the_dashboard_needs_a_fixed_number_of_queries(make_user, backend, web_session, work_entry):
    user = make_user()
    session = web_session(user)
    for number in range(15):
        work_entry(user, utcnow() - timedelta(hours=number + 1), 30)
    counter = backend.count_queries()
    assert session.get("/dashboard").status_code == 200
    # Session and user (3), the header's timers (the person's records have just changed), the
    # sums of every period, the month's projects for the chart, the latest entries, the recent
    # activities, and at most one reload of the permission matrix.
    assert len(_statements(counter)) <= 9, counter.statements


def _kept_lists(statements: list[str]) -> dict[str, int]:
    """How many of the dashboard's latest-entries and month-by-project statements ran."""
    return {
        "latest": sum(1 for sql in statements if "timesheets.duration, timesheets.description" in sql),
        "month": sum(1 for sql in statements if "GROUP BY customers.name, projects.id" in sql),
    }


def test_the_dashboards_own_lists_are_kept_until_the_records_or_the_catalog_change(
    make_user, backend, web_session, catalog, timesheets
):
    """The latest entries and the month's projects are kept under the counters read with the
    web session (`security/caller.kept_own`): read again after a change of the person's records
    or of the catalog's names, in any process (here the test's own), not after another person's."""
    user, other = make_user(), make_user()
    session = web_session(user)
    # From the person's midnight: in this month's chart whatever the hour.
    midnight = calendar_periods(utcnow(), "Europe/Berlin", "monday")[0][0].start
    work = catalog.work()
    timesheets.create(user, work, midnight, midnight + timedelta(minutes=1))
    session.get("/dashboard")
    counter = backend.count_queries()
    session.get("/dashboard")
    assert _kept_lists(_statements(counter)) == {"latest": 0, "month": 0}

    timesheets.create(other, work, midnight, midnight + timedelta(minutes=2))
    counter = backend.count_queries()
    session.get("/dashboard")
    assert _kept_lists(_statements(counter)) == {"latest": 0, "month": 0}

    begin = midnight + timedelta(minutes=1)
    added = timesheets.create(user, work, begin, begin + timedelta(minutes=2), description="Added since")
    counter = backend.count_queries()
    page = session.get("/dashboard").text
    assert _kept_lists(_statements(counter)) == {"latest": 1, "month": 1}
    assert "Added since" in page

    with backend.db.session() as db_session:
        record = db_session.get(Timesheet, added.id)
        assert record is not None
        record.project.name = "Renamed since"
    page = session.get("/dashboard").text
    latest = page.split('id="latest-title"')[1]
    assert "Renamed since" in latest
    assert "Renamed since" in page.split('id="month-projects"')[1].split("</table>")[0]


def test_a_teamleads_dashboard_needs_fewer_than_ten_queries_whatever_the_team(
    make_user, make_team, backend, web_session, work_entry
):
    """The teamlead's default dashboard: their own and their team's periods, the week chart,
    latest entries, recent activities and the team's running timers, in a fixed number of
    statements (W6 of the benchmarks)."""
    lead = make_user("ROLE_TEAMLEAD")
    members = [make_user() for _ in range(4)]
    team = make_team(leads=[lead], members=members[:1])
    session = web_session(lead)
    now = utcnow()
    for number in range(6):
        work_entry(lead, now - timedelta(hours=number + 1), 30)
        work_entry(members[0], now - timedelta(hours=number + 1), 30)
    work_entry(members[0], now - timedelta(minutes=20), None)
    assert session.get("/dashboard").status_code == 200  # the permission matrix read once
    counts = []
    for size in (1, 4):
        with backend.db.session() as writing:
            for member in members[1:size]:
                writing.add(TeamMember(team_id=team.id, user_id=member.id, teamlead=False))
        for member in members[1:size]:
            work_entry(member, now - timedelta(hours=2), 45)
            work_entry(member, now - timedelta(minutes=10), None)
        # The caller is read afresh once after a change of the accounts (security/caller.py).
        assert session.get("/dashboard").status_code == 200
        counter = backend.count_queries()
        page = session.get("/dashboard")
        counter.active = False
        assert page.status_code == 200
        running = page.text.split('id="team-title"')[1].split("</section>")[0]
        assert running.count("<li>") == size
        counts.append(len(_statements(counter)))
    assert counts[0] == counts[1]
    assert counts[0] < 10, counter.statements


def test_a_signed_in_persons_changed_preferences_show_on_the_next_page(
    make_user, backend, web_session, work_entry
):
    """The signed-in person is kept while the accounts' generation is unchanged (security/
    caller.py); a preference changed meanwhile moves it, and the next page shows it."""
    user = make_user()
    work_entry(user, datetime(2026, 1, 15, 9, 0, tzinfo=BERLIN), 45)
    session = web_session(user)
    assert "Do., 15. Jan." not in session.get("/dashboard").text
    assert "Do., 15. Jan." not in session.get("/dashboard").text
    with backend.db.session() as writing:
        from horae.users.models import User
        from horae.users.service import set_preference

        set_preference(writing.get(User, user.id), "locale", "de_DE")
    assert "Do., 15. Jan." in session.get("/dashboard").text


def test_the_dashboard_formats_dates_in_the_users_locale(make_user, backend, web_session, work_entry):
    user = make_user(language="de")
    work_entry(user, datetime(2026, 1, 15, 9, 0, tzinfo=BERLIN), 45)
    with backend.db.session() as session:
        from horae.users.models import User
        from horae.users.service import set_preference

        stored = session.get(User, user.id)
        set_preference(stored, "locale", "de_DE")
    page = web_session(user).get("/dashboard").text
    assert "Do., 15. Jan." in page
    assert "Hallo," in page
