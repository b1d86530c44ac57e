"""GET /api/export/timesheets.csv and .xlsx: the list filters over HTTP, streamed files."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from horae.app import create_app
from horae.settings import Settings
from horae.timesheets.models import Timesheet
from tests.exports.readers import read_csv, read_xlsx
from tests.factories.reporting import Entry, ExportScenario, local

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def descriptions(entries: list[Entry]) -> list[str]:
    texts = [e.description or "" for e in sorted(entries, key=lambda e: (e.begin, e.id))]
    return ["'" + t if t.startswith("=") else t for t in texts]


def test_csv_export_streams_the_filtered_rows(backend: Any, export_scenario: ExportScenario) -> None:
    s = export_scenario.base
    params = {
        "columns[]": ["id", "description"],
        "projects[]": [str(s.website), str(s.support)],
        "begin": "2024-03-27T00:00:00",
        "end": "2024-04-01T23:59:59",
        "billable": "1",
    }
    with s.lead.client() as client:
        response = client.get("/api/export/timesheets.csv", params=params)

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith('attachment; filename="horae-timesheets-')
    assert response.headers["content-disposition"].endswith('.csv"')
    header, rows = read_csv(response.content)
    assert header == ["ID", "Description"]
    begin, end = "2024-03-27T00:00", "2024-04-01T23:59:59"
    expected = [
        e
        for e in export_scenario.entries
        if e.user_id in (s.lead.id, s.alice.id)
        and e.project_id in (s.website, s.support)
        and e.billable
        and local(begin, "Europe/Berlin") <= e.begin <= local(end, "Europe/Berlin")
    ]
    assert [row[1] for row in rows] == descriptions(expected)


def test_xlsx_export_over_http(backend: Any, export_scenario: ExportScenario) -> None:
    s = export_scenario.base
    with s.admin.client() as client:
        response = client.get(
            "/api/export/timesheets.xlsx", params={"user": str(s.bob.id), "columns[]": "description"}
        )

    assert response.status_code == 200
    assert response.headers["content-type"] == XLSX
    header, rows = read_xlsx(response.content)
    assert header == ["Description"]
    assert [row[0] for row in rows] == [
        e.description for e in sorted(export_scenario.entries, key=lambda e: e.begin) if e.user_id == s.bob.id
    ]


def test_a_description_with_control_characters_exports_to_xlsx(
    backend: Any, export_scenario: ExportScenario
) -> None:
    s = export_scenario.base
    first = min((e for e in export_scenario.entries if e.user_id == s.bob.id), key=lambda e: e.begin)
    with backend.db.session() as session:
        session.get(Timesheet, first.id).description = "bell\x07 vertical\x0btab"
    with s.admin.client() as client:
        response = client.get(
            "/api/export/timesheets.xlsx", params={"user": str(s.bob.id), "columns[]": "description"}
        )

    assert response.status_code == 200
    _, rows = read_xlsx(response.content)
    assert rows[0][0] == "bell verticaltab"


def test_the_list_search_term_filters_the_export(backend: Any, export_scenario: ExportScenario) -> None:
    with export_scenario.base.admin.client() as client:
        response = client.get(
            "/api/export/timesheets.csv", params={"term": "fixed !quote", "columns[]": "description"}
        )

    _, rows = read_csv(response.content)
    assert rows == [["Bob's fixed"]]


def test_a_plain_users_user_filter_is_ignored(backend: Any, export_scenario: ExportScenario) -> None:
    s = export_scenario.base
    with s.alice.client() as client:
        response = client.get(
            "/api/export/timesheets.csv", params={"user": str(s.bob.id), "columns[]": "description"}
        )

    _, rows = read_csv(response.content)
    assert [row[0] for row in rows] == descriptions(
        [e for e in export_scenario.entries if e.user_id == s.alice.id]
    )


def test_user_all_gives_the_team(backend: Any, export_scenario: ExportScenario) -> None:
    s = export_scenario.base
    with s.lead.client() as client:
        response = client.get(
            "/api/export/timesheets.csv", params={"user": "all", "columns[]": "description"}
        )

    _, rows = read_csv(response.content)
    expected = [e for e in export_scenario.entries if e.user_id in (s.lead.id, s.alice.id)]
    assert [row[0] for row in rows] == descriptions(expected)


def test_a_teamlead_may_filter_a_user_in_no_team(backend: Any, export_scenario: ExportScenario) -> None:
    s = export_scenario.base
    with s.lead.client() as client:
        response = client.get(
            "/api/export/timesheets.csv", params={"users[]": str(s.bob.id), "columns[]": "description"}
        )

    assert response.status_code == 200
    _, rows = read_csv(response.content)
    expected = [e for e in export_scenario.entries if e.user_id == s.bob.id and e.project_id != s.hidden]
    assert [row[0] for row in rows] == descriptions(expected)


def test_mark_as_exported_over_http(backend: Any, export_scenario: ExportScenario) -> None:
    s = export_scenario.base
    with s.admin.client() as client:
        response = client.get(
            "/api/export/timesheets.csv",
            params={"users[]": str(s.carol.id), "markAsExported": "1", "columns[]": "id"},
        )

    assert response.status_code == 200
    _, rows = read_csv(response.content)
    with backend.db.session(write=False) as session:
        marked = set(session.scalars(select(Timesheet.id).where(Timesheet.exported.is_(True))))
    assert {int(row[0]) for row in rows} == {e.id for e in export_scenario.entries if e.user_id == s.carol.id}
    assert {int(row[0]) for row in rows} <= marked


@pytest.mark.parametrize(
    "params",
    [
        {"begin": "2024-03-01"},
        {"end": "2024-03-01T25:00:00"},
        {"users": "2"},
        {"users[]": "two"},
        {"user": "me"},
        {"customer": "x"},
        {"exported": "yes"},
        {"billable": "2"},
        {"active": "true"},
        {"orderBy": "duration"},
        {"order": "asc"},
        {"markAsExported": "maybe"},
        {"tags[]": "no-such-tag"},
        {"columns[]": "colour"},
        {"modified_after": "yesterday"},
        {"term": "a\x00b"},
        {"tags[]": "x\x00"},
    ],
)
def test_malformed_parameters_are_400(
    backend: Any, export_scenario: ExportScenario, params: dict[str, str]
) -> None:
    with export_scenario.base.admin.client() as client:
        response = client.get("/api/export/timesheets.csv", params=params)

    assert response.status_code == 400
    assert response.json() == {"code": 400, "message": "Bad Request"}


def test_filters_on_inaccessible_records_are_403(backend: Any, export_scenario: ExportScenario) -> None:
    s = export_scenario.base
    with s.lead.client() as client:
        assert client.get("/api/export/timesheets.csv", params={"project": str(s.hidden)}).status_code == 403
        assert client.get("/api/export/timesheets.csv", params={"customer": str(s.secret)}).status_code == 403
        # carol is in a team the lead does not lead
        assert client.get("/api/export/timesheets.xlsx", params={"user": str(s.carol.id)}).status_code == 403


def test_unknown_filter_ids_are_dropped(backend: Any, export_scenario: ExportScenario) -> None:
    s = export_scenario.base
    with s.alice.client() as client:
        response = client.get(
            "/api/export/timesheets.csv", params={"project": "999999", "columns[]": "description"}
        )

    _, rows = read_csv(response.content)
    assert [row[0] for row in rows] == descriptions(
        [e for e in export_scenario.entries if e.user_id == s.alice.id]
    )


def test_rates_and_marking_need_their_permissions(backend: Any, export_scenario: ExportScenario) -> None:
    with export_scenario.base.alice.client() as client:
        assert client.get("/api/export/timesheets.csv", params={"columns[]": "rate"}).status_code == 403
        assert client.get("/api/export/timesheets.csv", params={"markAsExported": "1"}).status_code == 403


def test_exports_need_authentication(backend: Any, http: Any) -> None:
    assert http.get("/api/export/timesheets.csv").status_code == 401
    assert http.get("/api/export/timesheets.xlsx").status_code == 401


def test_other_export_paths_are_not_found(backend: Any, export_scenario: ExportScenario) -> None:
    with export_scenario.base.admin.client() as client:
        assert client.get("/api/export/timesheets.docx").status_code == 404


def test_exports_are_tagged_as_a_horae_extension_in_the_api_document(tmp_path: Any) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'doc.sqlite'}", environment="test")
    document = create_app(settings).openapi()

    for name in ("csv", "xlsx"):
        operation = document["paths"][f"/api/export/timesheets.{name}"]["get"]
        assert operation["tags"] == ["Horae extension"]
        assert operation["x-horae-extension"] is True
        names = {parameter["name"] for parameter in operation["parameters"]}
        assert {
            "user",
            "users[]",
            "projects[]",
            "tags[]",
            "begin",
            "end",
            "markAsExported",
            "columns[]",
        } <= names
