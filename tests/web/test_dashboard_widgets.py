"""The dashboard draws the widgets of the `dashboard_widgets` preference, in its order, and its
working time charts as SVG."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from horae.db import utcnow
from horae.teams.models import TeamMember
from horae.users.models import User
from horae.users.service import set_preference


def choose(backend: Any, user: Any, widgets: str) -> None:
    with backend.db.session() as session:
        stored = session.get(User, user.id)
        assert stored is not None
        set_preference(stored, "dashboard_widgets", widgets)


def shown_widgets(page: str) -> list[str]:
    return re.findall(r'data-widget="([^"]+)"', page)


def seconds_of(page: str, dom_id: str) -> int:
    return int(page.split(f'id="{dom_id}"')[1].split('data-seconds="')[1].split('"')[0])


def test_the_default_dashboard_shows_the_default_widgets(make_user, web_session):
    page = web_session(make_user()).get("/dashboard").text
    assert shown_widgets(page) == [
        "PaginatedWorkingTimeChart",
        "DurationToday",
        "DurationWeek",
        "DurationMonth",
        "DurationYear",
    ]


def test_the_dashboard_follows_the_chosen_widgets_and_order(backend, make_user, web_session, work_entry):
    user = make_user()
    work_entry(user, utcnow() - timedelta(hours=2), 45)
    choose(backend, user, "userDurationWeek,UserTeams,PaginatedWorkingTimeChart,userDurationTotal")
    page = web_session(user).get("/dashboard").text
    assert shown_widgets(page) == [
        "userDurationWeek",
        "UserTeams",
        "PaginatedWorkingTimeChart",
        "userDurationTotal",
    ]
    assert seconds_of(page, "own-total-total") == 45 * 60
    assert 'id="total-month"' not in page
    assert "You are in no team." in page


def test_widgets_without_their_permission_are_left_out(backend, make_user, web_session):
    user = make_user()
    choose(backend, user, "activeUsersWeek,AmountMonth,userAmountMonth,userDurationToday,NoSuchWidget")
    page = web_session(user).get("/dashboard").text
    assert shown_widgets(page) == ["userDurationToday"]


def test_a_teamlead_sees_the_teams_time_and_own_time_apart(
    backend, make_user, web_session, work_entry, ledger
):
    lead = make_user("ROLE_TEAMLEAD")
    member, stranger = make_user(), make_user()
    ledger.team("Core", leads=[lead.id], members=[member.id])
    begin = utcnow() - timedelta(hours=3)
    work_entry(lead, begin, 30)
    work_entry(member, begin, 60)
    work_entry(stranger, begin, 120)
    choose(backend, lead, "userDurationTotal,DurationTotal,activeUsersTotal,UserTeams")
    page = web_session(lead).get("/dashboard").text
    assert seconds_of(page, "own-total-total") == 30 * 60
    assert seconds_of(page, "total-total") == 90 * 60
    assert "your teams" in page
    active = page.split('id="active-total"')[1].split('class="stat-value">')[1].split("<")[0]
    assert active == "2"
    assert "Core" in page and "Teamlead" in page


def test_teamleads_with_the_same_widgets_see_only_their_own_teams(
    backend, make_user, web_session, work_entry, ledger
):
    """The sums' statement is kept per shape; each lead's own records and led teams still
    decide, also after the lead takes on another team."""
    first_lead, second_lead = make_user("ROLE_TEAMLEAD"), make_user("ROLE_TEAMLEAD")
    first_member, second_member = make_user(), make_user()
    ledger.team("First", leads=[first_lead.id], members=[first_member.id])
    second = ledger.team("Second", leads=[second_lead.id], members=[second_member.id])
    begin = utcnow() - timedelta(hours=3)
    for user, minutes in ((first_lead, 10), (first_member, 20), (second_lead, 40), (second_member, 80)):
        work_entry(user, begin, minutes)

    def totals(lead: Any) -> tuple[int, int]:
        choose(backend, lead, "userDurationTotal,DurationTotal")
        page = web_session(lead).get("/dashboard").text
        return seconds_of(page, "own-total-total") // 60, seconds_of(page, "total-total") // 60

    assert totals(first_lead) == (10, 30)
    assert totals(second_lead) == (40, 120)
    with backend.db.session() as session:
        session.add(TeamMember(team_id=second, user_id=first_lead.id, teamlead=True))
    assert totals(first_lead) == (10, 150)
    assert totals(second_lead) == (40, 130)  # the first lead is a member of Second now


def test_money_widgets_sum_each_period_for_oneself_and_the_team(backend, make_user, web_session, ledger):
    lead = make_user("ROLE_TEAMLEAD")
    member, stranger = make_user(), make_user()
    ledger.team("Core", leads=[lead.id], members=[member.id])
    project = ledger.project(ledger.customer())
    activity = ledger.activity(project_id=project)
    # Noon on the first of this month stays in this month in any timezone; 400 days earlier
    # is outside this year, inside the total.
    first = utcnow().date().replace(day=1)
    earlier = first - timedelta(days=400)
    for user, now_rate, then_rate in ((lead, "10.50", "100"), (member, "20.25", "200"), (stranger, "7", "7")):
        for day, rate in ((first, now_rate), (earlier, then_rate)):
            ledger.entry(user.id, project, activity, f"{day}T12:00:00", f"{day}T13:00:00", rate=rate)
    choose(backend, lead, "userAmountMonth,AmountMonth,userAmountYear,AmountYear,userAmountTotal,AmountTotal")
    page = web_session(lead).get("/dashboard").text

    def amount(dom_id: str) -> str:
        return page.split(f'id="{dom_id}"')[1].split('class="stat-value">')[1].split("<")[0]

    assert amount("own-amount-month") == amount("own-amount-year") == "10.50"
    assert amount("amount-month") == amount("amount-year") == "30.75"
    assert amount("own-amount-total") == "110.50"
    assert amount("amount-total") == "330.75"


def test_the_working_time_chart_labels_every_bar(backend, make_user, web_session, work_entry):
    user = make_user()
    work_entry(user, utcnow() - timedelta(minutes=100), 90)
    page = web_session(user).get("/dashboard").text
    week = page.split('<svg class="chart" id="chart-week"')[1].split("</svg>")[0]
    assert 'role="img"' in week and "<title" in week and "<desc" in week
    assert len(re.findall(r'class="chart-value"', week)) == 7
    assert "(today)" in week and "chart-row-marked" in week
    month = page.split('<svg class="chart" id="chart-month-projects"')[1].split("</svg>")[0]
    assert re.search(r"Customer \d+ / Project \d+", month)
    assert ">1:30<" in month
    assert 'id="week-days"' in page and 'id="month-projects"' in page


def test_every_widget_together_needs_a_fixed_number_of_queries(backend, make_user, web_session, work_entry):
    admin = make_user("ROLE_ADMIN")
    # Every kind of widget and every period (a preference holds at most 250 characters).
    everything = (
        "PaginatedWorkingTimeChart,UserTeams,UserTeamProjects,userDurationToday,userAmountWeek,"
        "DurationMonth,AmountYear,activeUsersTotal,DurationToday,activeUsersWeek,userAmountTotal"
    )
    choose(backend, admin, everything)
    session = web_session(admin)
    work_entry(admin, utcnow() - timedelta(hours=2), 30)
    # The caller is read afresh once after a change of the accounts (security/caller.py).
    assert session.get("/dashboard").status_code == 200
    counter = backend.count_queries()
    assert session.get("/dashboard").status_code == 200
    first = len(counter)
    for number in range(10):
        work_entry(make_user(), utcnow() - timedelta(hours=number + 2), 30)
    assert session.get("/dashboard").status_code == 200
    counter = backend.count_queries()
    page = session.get("/dashboard")
    assert page.status_code == 200
    assert len(counter) <= first
    assert len(shown_widgets(page.text)) == 11


def test_a_teamleads_figures_select_the_owners_in_one_list(backend, make_user, web_session, ledger):
    """The team's owners are one `IN` (the teamlead and the members), never `= me OR IN (…)`:
    PostgreSQL cannot look such an OR up in the records' index and scanned the whole table for a
    team's year and its running records."""
    lead = make_user("ROLE_TEAMLEAD")
    ledger.team("Core", leads=[lead.id], members=[make_user().id])
    choose(backend, lead, "DurationToday,DurationYear,activeUsersWeek")
    session = web_session(lead)
    counter = backend.count_queries()
    assert session.get("/dashboard").status_code == 200
    team_reads = [
        " ".join(s.split()) for s in counter.statements if "team_members" in s and "timesheets" in s
    ]
    assert team_reads
    for statement in team_reads:
        assert " OR " not in statement.upper(), statement


def test_people_with_the_same_widgets_see_their_own_time(backend, make_user, web_session, work_entry):
    """Everyone's own periods are summed by one kept statement, the person bound at each view
    (the total, whose range no clock time moves an entry out of)."""
    first, second = make_user(), make_user()
    for user, minutes in ((first, 30), (second, 75)):
        choose(backend, user, "userDurationTotal")
        work_entry(user, utcnow() - timedelta(hours=3), minutes)
    for _ in range(2):
        for user, minutes in ((first, 30), (second, 75)):
            page = web_session(user).get("/dashboard").text
            assert seconds_of(page, "own-total-total") == minutes * 60
