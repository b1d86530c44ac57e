"""GET /api/horae/reports/...: the JSON variants of the reports (a Horae extension of the API)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from horae.api.responses import KimaiJSONResponse
from horae.app import create_app
from horae.reporting.schemas import users_period_json
from horae.reporting.service import users_period_report
from horae.settings import Settings
from tests.factories.reporting import Scenario, actor_of
from tests.reporting.expected import counted, grouped, total


def money(value: Any) -> float:
    return float(value)


def test_user_week_report_as_json(backend: Any, scenario: Scenario) -> None:
    with scenario.lead.client() as client:
        response = client.get(
            "/api/horae/reports/user/week", params={"date": "2024-03-31", "user": scenario.alice.id}
        )

    assert response.status_code == 200
    body = response.json()
    assert body["report"] == "user_week"
    assert body["user"]["username"] == "alice"
    assert body["period"] == {"kind": "week", "begin": "2024-03-25", "end": "2024-03-31"}
    assert body["unit"] == "day"
    assert body["showRates"] is True
    assert body["columns"][0] == {"key": "2024-03-25", "date": "2024-03-25", "weekday": 1, "week": 13}
    entries = counted(
        scenario.entries, users=[scenario.alice.id], begin=date(2024, 3, 25), end=date(2024, 3, 31)
    )
    expected = total(entries)
    assert body["total"] == {
        "duration": expected["duration"],
        "billableDuration": expected["billable_duration"],
        "rate": money(expected["rate"]),
        "billableRate": money(expected["billable_rate"]),
        "internalRate": money(expected["internal_rate"]),
    }
    by_day = grouped(entries, lambda e: e.local_date.isoformat())
    assert {k: v["duration"] for k, v in body["columnTotals"].items()} == {
        k: v["duration"] for k, v in by_day.items()
    }
    assert [w["weekday"] for w in body["weekdays"]] == [1, 2, 3, 4, 5, 6, 7]
    row = next(
        r
        for r in body["rows"]
        if r["project"]["name"] == "Website" and r["activity"]["name"] == "Development"
    )
    assert row["customer"]["name"] == "ACME"
    assert row["values"] == {
        "2024-03-31": {
            "duration": 3600,
            "billableDuration": 0,
            "rate": 50.0,
            "billableRate": 0.0,
            "internalRate": 0.0,
        }
    }


def test_own_report_hides_money_from_a_plain_user(backend: Any, scenario: Scenario) -> None:
    with scenario.alice.client() as client:
        body = client.get("/api/horae/reports/user/month", params={"date": "2024-03-01"}).json()

    assert body["showRates"] is False
    assert body["total"]["rate"] is None
    assert (
        body["total"]["duration"]
        == total(
            counted(
                scenario.entries, users=[scenario.alice.id], begin=date(2024, 3, 1), end=date(2024, 3, 31)
            )
        )["duration"]
    )


def test_year_report_columns_are_months(backend: Any, scenario: Scenario) -> None:
    with scenario.admin.client() as client:
        body = client.get("/api/horae/reports/user/year", params={"date": "2024-05-05"}).json()

    assert body["unit"] == "month"
    assert body["columns"][2] == {"key": "2024-03", "year": 2024, "month": 3}
    assert set(body["columnTotals"]) == {"2024-04"}


@pytest.mark.parametrize("kind", ["week", "month", "year"])
def test_users_report_as_json(backend: Any, scenario: Scenario, kind: str) -> None:
    with scenario.lead.client() as client:
        response = client.get(f"/api/horae/reports/users/{kind}", params={"date": "2024-04-01"})

    assert response.status_code == 200
    body = response.json()
    assert body["report"] == f"users_{kind}"
    assert [row["user"]["username"] for row in body["rows"]] == ["alice", "lead"]
    begin, end = date.fromisoformat(body["period"]["begin"]), date.fromisoformat(body["period"]["end"])
    entries = counted(scenario.entries, users=[scenario.alice.id, scenario.lead.id], begin=begin, end=end)
    assert body["total"]["duration"] == total(entries)["duration"]
    assert money(body["total"]["rate"]) == money(total(entries)["rate"])


def test_project_reports_as_json(backend: Any, scenario: Scenario) -> None:
    with scenario.admin.client() as client:
        overview = client.get("/api/horae/reports/projects", params={"date": "2024-04-01", "budget": "all"})
        details = client.get(f"/api/horae/reports/projects/{scenario.website}", params={"date": "2024-04-01"})
        inactive = client.get("/api/horae/reports/projects/inactive", params={"since": "2024-04-01"})
        customers = client.get("/api/horae/reports/customers/month", params={"date": "2024-03-01"})

    assert [r.status_code for r in (overview, details, inactive, customers)] == [200, 200, 200, 200]
    website = next(p for p in overview.json()["projects"] if p["project"]["name"] == "Website")
    billable = [e for e in counted(scenario.entries, projects=[scenario.website]) if e.billable]
    assert website["budget"]["money"] == 1000.0
    assert website["budget"]["moneyUsed"] == money(total(billable)["rate"])
    assert website["budget"]["timeUsed"] == total(billable)["duration"]
    assert details.json()["project"]["name"] == "Website"
    assert [m["key"] for m in details.json()["months"]] == ["2024-02", "2024-03", "2024-04"]
    assert {p["project"]["name"] for p in inactive.json()["projects"]} == {"Migration", "Hidden work"}
    assert (
        customers.json()["total"]["duration"]
        == total(counted(scenario.entries, begin=date(2024, 3, 1), end=date(2024, 3, 31)))["duration"]
    )


@pytest.mark.parametrize(
    "path",
    [
        "/api/horae/reports/users/week",
        "/api/horae/reports/projects",
        "/api/horae/reports/projects/inactive",
        "/api/horae/reports/customers/month",
    ],
)
def test_a_plain_user_gets_403_on_reports_about_others(backend: Any, scenario: Scenario, path: str) -> None:
    with scenario.alice.client() as client:
        response = client.get(path)

    assert response.status_code == 403
    assert response.json() == {"code": 403, "message": "Forbidden"}


def test_another_users_report_outside_the_team_is_403(backend: Any, scenario: Scenario) -> None:
    with scenario.lead.client() as client:
        response = client.get("/api/horae/reports/user/week", params={"user": scenario.bob.id})

    assert response.status_code == 403


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/horae/reports/user/week", {"date": "31.03.2024"}),
        ("/api/horae/reports/user/week", {"date": "2024-02-30"}),
        ("/api/horae/reports/user/week", {"user": "bob"}),
        ("/api/horae/reports/projects", {"budget": "some"}),
        ("/api/horae/reports/projects", {"includeNoWork": "yes"}),
        ("/api/horae/reports/projects", {"customer": "x"}),
        ("/api/horae/reports/projects/inactive", {"since": "2024-4-1"}),
    ],
)
def test_malformed_parameters_are_400(
    backend: Any, scenario: Scenario, path: str, params: dict[str, str]
) -> None:
    with scenario.admin.client() as client:
        response = client.get(path, params=params)

    assert response.status_code == 400
    assert response.json() == {"code": 400, "message": "Bad Request"}


def test_unknown_records_are_404(backend: Any, scenario: Scenario) -> None:
    with scenario.admin.client() as client:
        assert client.get("/api/horae/reports/user/week", params={"user": 999999}).status_code == 404
        assert client.get("/api/horae/reports/projects/999999").status_code == 404
        assert client.get("/api/horae/reports/projects/abc").status_code == 404
        assert client.get("/api/horae/reports/projects/66335441957437").status_code == 404
        assert client.get("/api/horae/reports/user/week", params={"user": "99999999999"}).status_code == 404
        assert (
            client.get("/api/horae/reports/customers/month", params={"customer": 999999}).status_code == 404
        )


def test_an_unknown_project_is_404_before_the_permission_check(backend: Any, scenario: Scenario) -> None:
    with scenario.alice.client() as client:
        assert client.get("/api/horae/reports/projects/999999").status_code == 404
        assert client.get(f"/api/horae/reports/projects/{scenario.website}").status_code == 403


def test_reports_need_authentication(backend: Any, http: Any) -> None:
    assert http.get("/api/horae/reports/user/week").status_code == 401


def test_reports_are_tagged_as_a_horae_extension_in_the_api_document(tmp_path: Any) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'doc.sqlite'}", environment="test")
    document = create_app(settings).openapi()

    paths = {path: ops for path, ops in document["paths"].items() if path.startswith("/api/horae/reports")}
    assert len(paths) == 10
    for operations in paths.values():
        assert operations["get"]["tags"] == ["Horae extension"]
        assert operations["get"]["x-horae-extension"] is True


def test_users_report_cells_show_float_sums_quantized_to_four_places(
    backend: Any, scenario: Scenario
) -> None:
    # SQLite sums money as floats: 0.1 + 0.2 is 0.30000000000000004 there, 1.1 + 2.2 is
    # 3.3000000000000003; the report shows the sums to four places on every backend.
    entry = scenario.ledger.entry
    for day, hour, rate, billable in (
        (3, 8, "0.1", True),
        (3, 9, "0.2", True),
        (3, 10, "0.3", False),
        (4, 8, "1.1", True),
        (4, 9, "2.2", True),
    ):
        entry(
            scenario.bob.id,
            scenario.website,
            scenario.design,
            f"2024-06-{day:02d}T{hour:02d}:00",
            f"2024-06-{day:02d}T{hour:02d}:30",
            rate=rate,
            internal_rate=rate,
            billable=billable,
        )
    with scenario.admin.client() as client:
        body = client.get("/api/horae/reports/users/month", params={"date": "2024-06-01"}).json()

    bob = next(row for row in body["rows"] if row["user"]["username"] == "bob")
    assert bob["values"]["2024-06-03"] == {
        "duration": 3 * 1800,
        "billableDuration": 2 * 1800,
        "rate": 0.6,
        "billableRate": 0.3,
        "internalRate": 0.6,
    }
    assert bob["values"]["2024-06-04"]["rate"] == 3.3
    assert body["columnTotals"]["2024-06-04"]["internalRate"] == 3.3
    assert bob["total"]["rate"] == body["total"]["rate"] == 3.9
    assert body["total"]["billableRate"] == 3.6


def test_users_report_hides_money_without_the_rate_permission(
    backend: Any, scenario: Scenario, set_permission: Any
) -> None:
    set_permission("ROLE_ADMIN", "view_rate_other_timesheet", False)
    with scenario.admin.client() as client:
        body = client.get("/api/horae/reports/users/month", params={"date": "2024-03-01"}).json()

    assert body["showRates"] is False
    figures = [body["total"], *body["columnTotals"].values()]
    figures += [row["total"] for row in body["rows"]]
    figures += [cell for row in body["rows"] for cell in row["values"].values()]
    assert len(figures) > 5
    assert all(f["rate"] is None and f["billableRate"] is None and f["internalRate"] is None for f in figures)
    assert (
        body["total"]["duration"]
        == total(counted(scenario.entries, begin=date(2024, 3, 1), end=date(2024, 3, 31)))["duration"]
    )


@pytest.mark.parametrize("show_rates", [True, False])
@pytest.mark.parametrize(
    ("kind", "day"), [("month", "2024-03-01"), ("week", "2024-03-31"), ("year", "2024-03-31")]
)
def test_users_report_is_the_json_of_its_figures_as_totals(
    backend: Any, scenario: Scenario, set_permission: Any, kind: str, day: str, show_rates: bool
) -> None:
    # March 2024 holds the spring-forward change in Berlin and New York, entries that fall on
    # another date in UTC, float sums on SQLite, users with no booking and days with none: the
    # answer is, byte for byte, the JSON of the report with every cell read as a `Totals`.
    entry = scenario.ledger.entry
    for hour, rate in ((8, "0.1"), (9, "0.2"), (10, "1.1"), (11, "2.2"), (12, "0.0005")):
        begin, end = f"2024-03-04T{hour:02d}:00", f"2024-03-04T{hour:02d}:30"
        bob, website, design = scenario.bob.id, scenario.website, scenario.design
        entry(bob, website, design, begin, end, timezone="America/New_York", rate=rate, internal_rate=rate)
    if not show_rates:
        set_permission("ROLE_ADMIN", "view_rate_other_timesheet", False)
    with scenario.admin.client() as client:
        response = client.get(f"/api/horae/reports/users/{kind}", params={"date": day})
    with backend.db.session(write=False) as session:
        report = users_period_report(
            session, actor_of(backend, scenario.admin), kind=kind, day=date.fromisoformat(day)
        )
    for row in report.rows:
        row.values = dict(row.values)
    report.column_totals = dict(report.column_totals)

    assert response.status_code == 200
    assert response.content == KimaiJSONResponse(users_period_json(report)).body
    body = response.json()
    assert body["showRates"] is show_rates
    begin, end = date.fromisoformat(body["period"]["begin"]), date.fromisoformat(body["period"]["end"])
    entries = counted(scenario.entries, begin=begin, end=end)
    key = (lambda d: f"{d.year:04d}-{d.month:02d}") if kind == "year" else (lambda d: d.isoformat())
    expected = grouped(entries, lambda e: (e.user_id, key(e.local_date)))
    cells = {(row["user"]["id"], k): v for row in body["rows"] for k, v in row["values"].items()}
    assert set(cells) == set(expected)
    for cell_key, figures in expected.items():
        cell = cells[cell_key]
        assert (cell["duration"], cell["billableDuration"]) == (
            figures["duration"],
            figures["billable_duration"],
        )
        shown_rate = float(figures["rate"].quantize(Decimal("0.0001"))) if show_rates else None
        assert cell["rate"] == shown_rate
