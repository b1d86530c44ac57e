"""The report pages: totals shown equal the sums of their rows and of the entries behind them,
the permission rules of the JSON reports, the period picker, and the charts' SVG."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from tests.factories.reporting import Scenario
from tests.reporting.expected import counted, grouped, total

CELL = re.compile(r'<td class="numeric[^"]*" data-column="(\d+)" data-(?:seconds|value)="([^"]+)"')


def table(page: str) -> str:
    return page.split('id="report-table"')[1].split("</table>")[0]


def figures(html: str) -> tuple[list[dict[int, Decimal]], list[Decimal], dict[int, Decimal], Decimal]:
    """(cells of each body row, row totals, column totals, grand total) of a report table."""
    body, foot = html.split("<tfoot>")
    rows, row_totals = [], []
    for row in body.split('<tr class="report-row">')[1:]:
        rows.append({int(c): Decimal(v) for c, v in CELL.findall(row)})
        row_totals.append(Decimal(re.search(r'row-total" data-(?:seconds|value)="([^"]+)"', row).group(1)))
    columns = {int(c): Decimal(v) for c, v in CELL.findall(foot)}
    grand = Decimal(re.search(r'grand-total" data-(?:seconds|value)="([^"]+)"', foot).group(1))
    return rows, row_totals, columns, grand


def assert_totals_add_up(html: str) -> tuple[list[Decimal], Decimal]:
    rows, row_totals, columns, grand = figures(html)
    for cells, row_total in zip(rows, row_totals, strict=True):
        assert sum(cells.values(), Decimal(0)) == row_total
    for index, column_total in columns.items():
        assert sum((cells[index] for cells in rows), Decimal(0)) == column_total
    assert sum(row_totals, Decimal(0)) == grand == sum(columns.values(), Decimal(0))
    return row_totals, grand


def test_the_week_report_totals_equal_the_rows_and_the_entries(
    backend: Any, scenario: Scenario, web_session: Any
) -> None:
    page = web_session(scenario.alice).get("/reports/user/week", params={"date": "2024-03-31"})
    assert page.status_code == 200
    row_totals, grand = assert_totals_add_up(table(page.text))
    entries = counted(
        scenario.entries, users=[scenario.alice.id], begin=date(2024, 3, 25), end=date(2024, 3, 31)
    )
    assert grand == total(entries)["duration"]
    expected = grouped(entries, lambda e: (e.project_id, e.activity_id))
    assert sorted(row_totals) == sorted(Decimal(v["duration"]) for v in expected.values())
    # The period picker moves by whole weeks.
    assert 'href="/reports/user/week?date=2024-03-24"' in page.text
    assert 'href="/reports/user/week?date=2024-04-01"' in page.text


@pytest.mark.parametrize(
    "kind, begin, end",
    [("month", date(2024, 3, 1), date(2024, 3, 31)), ("year", date(2024, 1, 1), date(2024, 12, 31))],
)
def test_month_and_year_reports_add_up(
    backend: Any, scenario: Scenario, web_session: Any, kind: str, begin: date, end: date
) -> None:
    page = web_session(scenario.alice).get(f"/reports/user/{kind}", params={"date": "2024-03-15"}).text
    _, grand = assert_totals_add_up(table(page))
    assert (
        grand == total(counted(scenario.entries, users=[scenario.alice.id], begin=begin, end=end))["duration"]
    )


def test_the_user_report_draws_its_charts_with_labels(
    backend: Any, scenario: Scenario, web_session: Any
) -> None:
    page = web_session(scenario.alice).get("/reports/user/week", params={"date": "2024-03-31"}).text
    for chart in ("chart-weekdays", "chart-projects"):
        svg = page.split(f'<svg class="chart" id="{chart}"')[1].split("</svg>")[0]
        assert 'role="img"' in svg and f'aria-labelledby="{chart}-title {chart}-desc"' in svg
        assert "<title" in svg and "<desc" in svg
    weekdays = page.split('id="chart-weekdays"')[1].split("</svg>")[0]
    assert "Sunday" in weekdays and "Monday" in weekdays
    # Sunday 31 March: 2:00 (one real hour across the DST gap, and 23:30-00:30).
    assert ">2:00<" in weekdays
    projects = page.split('id="chart-projects"')[1].split("</svg>")[0]
    assert "ACME / Website" in projects
    assert 'id="weekday-totals"' in page and 'id="project-totals"' in page


def test_a_user_may_not_open_another_users_report(backend: Any, scenario: Scenario, web_session: Any) -> None:
    session = web_session(scenario.alice)
    response = session.get("/reports/user/week", params={"user": scenario.bob.id})
    assert response.status_code == 403
    assert "text/html" in response.headers["content-type"]
    assert session.get("/reports/users/week").status_code == 403
    page = session.get("/reports/user/week").text
    assert 'id="report-user"' not in page  # no user select without the permission


def test_a_teamlead_sees_the_team_only(backend: Any, scenario: Scenario, web_session: Any) -> None:
    session = web_session(scenario.lead)
    page = session.get("/reports/user/week", params={"user": scenario.alice.id, "date": "2024-03-31"})
    assert page.status_code == 200
    select = page.text.split('id="report-user"')[1].split("</select>")[0]
    assert "alice" in select and "lead" in select and "bob" not in select and "carol" not in select
    assert session.get("/reports/user/week", params={"user": scenario.bob.id}).status_code == 403
    users = session.get("/reports/users/month", params={"date": "2024-03-01"}).text
    listed = re.findall(r'<tr class="report-row">\s*<th scope="row">([^<]+)</th>', users)
    assert sorted(listed) == ["alice", "lead"]
    _, grand = assert_totals_add_up(table(users))
    entries = counted(
        scenario.entries,
        users=[scenario.alice.id, scenario.lead.id],
        begin=date(2024, 3, 1),
        end=date(2024, 3, 31),
    )
    assert grand == total(entries)["duration"]


@pytest.mark.parametrize(
    "metric, field", [("duration", "duration"), ("money", "rate"), ("internal", "internal_rate")]
)
def test_the_all_users_report_switches_its_figure(
    backend: Any, scenario: Scenario, web_session: Any, metric: str, field: str
) -> None:
    page = web_session(scenario.admin).get(
        "/reports/users/month", params={"date": "2024-03-01", "metric": metric}
    )
    assert page.status_code == 200
    _, grand = assert_totals_add_up(table(page.text))
    assert grand == Decimal(
        total(counted(scenario.entries, begin=date(2024, 3, 1), end=date(2024, 3, 31)))[field]
    )


def test_money_needs_the_rate_permission(
    backend: Any, scenario: Scenario, set_permission: Any, web_session: Any
) -> None:
    set_permission("ROLE_ADMIN", "view_rate_other_timesheet", False)
    session = web_session(scenario.admin)
    page = session.get("/reports/users/month", params={"date": "2024-03-01"}).text
    assert "metric=money" not in page
    assert session.get("/reports/users/month", params={"metric": "money"}).status_code == 403


def test_the_project_overview_shows_budgets_and_their_chart(
    backend: Any, scenario: Scenario, web_session: Any
) -> None:
    page = web_session(scenario.admin).get("/reports/projects", params={"date": "2024-04-01"})
    assert page.status_code == 200
    rows = table(page.text)
    website = rows.split("Website</a>")[1].split("</tr>")[0]
    entries = counted(scenario.entries, projects=[scenario.website])
    assert f'row-total" data-label="Total" data-seconds="{total(entries)["duration"]}"' in website
    assert "<progress" in website and 'aria-label="Time budget used by Website"' in website
    chart = page.text.split('id="chart-budgets"')[1].split("</svg>")[0]
    assert "ACME / Website" in chart and " %" in chart and 'class="chart-limit"' in chart


def test_project_details_add_up(backend: Any, scenario: Scenario, web_session: Any) -> None:
    page = web_session(scenario.admin).get(f"/reports/projects/{scenario.website}").text
    entries = counted(scenario.entries, projects=[scenario.website])
    expected = total(entries)["duration"]
    for section in ("by-activity", "by-user", "by-month"):
        part = page.split(f'id="{section}"')[1].split("</table>")[0]
        rows = part.split("<tfoot>")[0].split('class="report-row"')[1:]
        shown = [int(re.search(r'data-seconds="(\d+)"', row).group(1)) for row in rows]
        assert sum(shown) == expected, section
    assert 'id="chart-project-users"' in page


def test_a_plain_user_may_not_open_project_or_customer_reports(
    backend: Any, scenario: Scenario, web_session: Any
) -> None:
    session = web_session(scenario.alice)
    for path in (
        "/reports/projects",
        "/reports/projects/inactive",
        f"/reports/projects/{scenario.website}",
        "/reports/customers/month",
    ):
        assert session.get(path).status_code == 403, path
    index = session.get("/reports").text
    assert 'href="/reports/user/week"' in index
    assert "/reports/projects" not in index and "/reports/users/" not in index


def test_the_customer_report_adds_up(backend: Any, scenario: Scenario, web_session: Any) -> None:
    page = web_session(scenario.admin).get("/reports/customers/month", params={"date": "2024-03-10"}).text
    grand = int(re.search(r'id="report-total" data-seconds="(\d+)"', page).group(1))
    customers = [int(v) for v in re.findall(r'class="customer-total" data-seconds="(\d+)"', page)]
    assert sum(customers) == grand
    assert (
        grand == total(counted(scenario.entries, begin=date(2024, 3, 1), end=date(2024, 3, 31)))["duration"]
    )


def test_inactive_projects(backend: Any, scenario: Scenario, web_session: Any) -> None:
    page = web_session(scenario.admin).get("/reports/projects/inactive", params={"since": "2024-05-02"})
    assert page.status_code == 200
    assert "Website" in table(page.text)


def test_bad_parameters_are_html_errors(backend: Any, scenario: Scenario, web_session: Any) -> None:
    session = web_session(scenario.admin)
    assert session.get("/reports/user/week", params={"date": "31.3.2024"}).status_code == 400
    assert session.get("/reports/user/decade").status_code == 404
    assert session.get("/reports/projects/999999").status_code == 404
    assert session.get("/reports/users/week", params={"metric": "bananas"}).status_code == 404


def test_report_pages_need_a_fixed_number_of_queries(
    backend: Any, scenario: Scenario, web_session: Any
) -> None:
    session = web_session(scenario.admin)
    paths = (
        "/reports/user/month?date=2024-03-01",
        "/reports/users/month?date=2024-03-01",
        "/reports/projects?date=2024-04-01",
        f"/reports/projects/{scenario.website}",
        "/reports/customers/month?date=2024-03-01",
    )

    def book(day: int) -> None:
        scenario.ledger.entry(
            scenario.admin.id, scenario.migration, scenario.design,
            f"2024-03-{day:02d}T09:00", f"2024-03-{day:02d}T10:00", rate="10",
        )  # fmt: skip

    def counts() -> dict[str, int]:
        result = {}
        for path in paths:
            counter = backend.count_queries()
            assert session.get(path).status_code == 200
            result[path] = len(counter)
        return result

    book(4)
    before = counts()
    for day in (5, 6, 7, 8):
        book(day)
    assert counts() == before
    assert max(before.values()) <= 10, before


def test_report_pages_speak_the_viewers_language(backend: Any, scenario: Scenario, web_session: Any) -> None:
    scenario.ledger.preference(scenario.alice.id, "language", "de")
    page = web_session(scenario.alice).get("/reports/user/week", params={"date": "2024-03-31"}).text
    assert "Woche von alice" in page and "Stunden pro Wochentag" in page
    weekdays = page.split('id="chart-weekdays"')[1].split("</svg>")[0]
    assert "Sonntag" in weekdays and "Montag" in weekdays
    assert ">Berichte<" in page  # the menu entry


def test_report_pages_have_no_inline_scripts_or_styles(
    backend: Any, scenario: Scenario, web_session: Any
) -> None:
    session = web_session(scenario.admin)
    for path in (
        "/reports",
        "/reports/user/week?date=2024-03-31",
        "/reports/users/year?date=2024-03-31&metric=money",
        "/reports/projects?date=2024-04-01&budget=all",
        f"/reports/projects/{scenario.website}",
        "/reports/customers/month?date=2024-03-31",
        "/reports/projects/inactive",
        "/timesheets",
    ):
        response = session.get(path)
        assert response.status_code == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        html = response.text
        assert "<script>" not in html and "<script " not in html.replace('<script src="/static/', ""), path
        assert " style=" not in html and "<style" not in html, path


@pytest.mark.parametrize("metric", ["duration", "money"])
def test_the_all_users_cells_show_their_figures_and_mark_the_weekend(
    backend: Any, scenario: Scenario, web_session: Any, metric: str
) -> None:
    """The rows' cells are written in Python: each shows its figure (nothing when empty), the
    body marks the weekend's columns (2024-03-02 and -03 are a Saturday and a Sunday) and the
    totals row does not."""
    page = (
        web_session(scenario.admin)
        .get("/reports/users/month", params={"date": "2024-03-01", "metric": metric})
        .text
    )
    body, foot = table(page).split("<tfoot>")
    cells = re.findall(r'<td class="([^"]+)" data-column="(\d+)" data-value="([^"]+)">([^<]*)</td>', body)
    assert len(cells) == 31 * body.count('<tr class="report-row">')
    weekend = {1, 2, 8, 9, 15, 16, 22, 23, 29, 30}
    for kind, column, value, shown in cells:
        assert kind == ("numeric weekend" if int(column) in weekend else "numeric")
        if not shown:
            assert value == "0"
        elif metric == "duration":
            seconds = int(value)
            assert shown == f"{seconds // 3600}:{seconds // 60 % 60:02d}"
        else:
            assert Decimal(shown.replace(",", "")) == Decimal(value).quantize(Decimal("0.01"))
    assert any(shown for *_, shown in cells)
    totals = re.findall(r'<td class="([^"]+)" data-column="\d+" data-value="[^"]+">[^<]*</td>', foot)
    assert totals == ["numeric"] * 31
