"""The export dialog of "My times": each format downloads, opens with a real reader and holds
exactly the rows the list's filters select; marking needs its permission."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from horae.timesheets.models import Timesheet
from tests.exports.readers import read_csv, read_html, read_pdf, read_xlsx
from tests.factories.reporting import Entry, ExportScenario, local

FILTERS = {"begin": "2024-03-25", "end": "2024-04-01", "project": None}
INPUT = re.compile(r"<input ([^>]*)>")


def dialog_fields(page: str) -> list[tuple[str, str]]:
    """The fields the dialog's form would submit as it is shown (hidden, checked boxes, radios)."""
    form = page.split('id="export-dialog"')[1].split("</form>")[0]
    fields = []
    for attributes in INPUT.findall(form):
        name = re.search(r'name="([^"]+)"', attributes).group(1)
        value = re.search(r'value="([^"]*)"', attributes).group(1)
        kind = re.search(r'type="([^"]+)"', attributes).group(1)
        if kind == "hidden" or " checked" in attributes:
            fields.append((name, value))
    return fields


def as_form(fields: list[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, value in fields:
        grouped.setdefault(name, []).append(value)
    return grouped


def expected(scenario: ExportScenario, user_id: int, project: int) -> list[Entry]:
    begin, end = local("2024-03-25T00:00", "Europe/Berlin"), local("2024-04-01T23:59:59", "Europe/Berlin")
    rows = [
        e
        for e in scenario.entries
        if e.user_id == user_id and e.project_id == project and begin <= e.begin <= end
    ]
    return sorted(rows, key=lambda e: (e.begin, e.id))


def download(session: Any, scenario: ExportScenario, export_format: str, **extra: str) -> Any:
    s = scenario.base
    params = {"begin": "2024-03-25", "end": "2024-04-01", "project": str(s.website)}
    page = session.get("/timesheets", params=params).text
    fields = [(k, v) for k, v in dialog_fields(page) if k not in ("format", "columns")]
    assert ("begin", "2024-03-25") in fields and ("project", str(s.website)) in fields
    fields += [("format", export_format), ("columns", "date"), ("columns", "description")]
    fields += list(extra.items())
    return session.client.post("/timesheets/export", data=as_form(fields))


def texts(entries: list[Entry]) -> list[str]:
    return [
        "'" + (e.description or "") if (e.description or "").startswith("=") else e.description or ""
        for e in entries
    ]


@pytest.mark.parametrize("export_format", ["csv", "xlsx", "pdf", "html"])
def test_each_format_holds_exactly_the_filtered_rows(
    backend: Any, export_scenario: ExportScenario, web_session: Any, export_format: str
) -> None:
    s = export_scenario.base
    response = download(web_session(s.alice), export_scenario, export_format)
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"].endswith(f'.{export_format}"')
    wanted = expected(export_scenario, s.alice.id, s.website)
    assert len(wanted) >= 3
    if export_format == "csv":
        header, rows = read_csv(response.content)
        assert header == ["Date", "Description"]
        assert [row[1] for row in rows] == texts(wanted)
    elif export_format == "xlsx":
        header, rows = read_xlsx(response.content)
        assert header == ["Date", "Description"]
        assert [row[1] for row in rows] == [e.description for e in wanted]
    elif export_format == "html":
        header, rows, _, _ = read_html(response.content)
        assert header == ["Date", "Description"]
        assert [row[1] for row in rows] == [e.description for e in wanted]
    else:
        _, text = read_pdf(response.content)
        for entry in wanted:
            assert (entry.description or "").split()[0] in text
        others = [
            e
            for e in export_scenario.entries
            if e not in wanted and e.description and e.description.startswith("E")
        ]
        assert others and not any(e.description in text for e in others)


def test_the_export_holds_only_the_persons_own_entries(
    backend: Any, export_scenario: ExportScenario, web_session: Any
) -> None:
    s = export_scenario.base
    session = web_session(s.admin)
    page = session.get("/timesheets").text
    fields = [(k, v) for k, v in dialog_fields(page) if k != "columns"] + [("columns", "description")]
    _, rows = read_csv(session.client.post("/timesheets/export", data=as_form(fields)).content)
    assert [row[0] for row in rows] == [
        e.description for e in export_scenario.entries if e.user_id == s.admin.id
    ]


def test_marking_as_exported_needs_its_permission(
    backend: Any, export_scenario: ExportScenario, web_session: Any
) -> None:
    s = export_scenario.base
    plain = web_session(s.alice)
    assert 'id="export-mark"' not in plain.get("/timesheets").text
    assert download(plain, export_scenario, "csv", mark_exported="1").status_code == 403
    with backend.db.session(write=False) as session:
        flags = dict(session.execute(select(Timesheet.id, Timesheet.exported)).all())
    assert {e.id: e.exported for e in export_scenario.entries} == flags  # nothing changed

    lead = web_session(s.lead)
    assert 'id="export-mark"' in lead.get("/timesheets").text
    response = download(lead, export_scenario, "csv", mark_exported="1")
    assert response.status_code == 200
    marked = [e.id for e in expected(export_scenario, s.lead.id, s.website)]
    assert marked
    with backend.db.session(write=False) as session:
        flags = dict(
            session.execute(
                select(Timesheet.id, Timesheet.exported).where(Timesheet.user_id == s.lead.id)
            ).all()
        )
    assert all(flags[i] for i in marked)
    assert not all(flags.values())


def test_the_export_form_needs_its_token(
    backend: Any, export_scenario: ExportScenario, web_session: Any
) -> None:
    session = web_session(export_scenario.base.alice)
    response = session.client.post("/timesheets/export", data={"format": "csv", "csrf_token": "wrong"})
    assert response.status_code == 403
    assert session.post_form("/timesheets/export", {"format": "doc"}).status_code == 400
    assert (
        session.post_form("/timesheets/export", {"format": "csv", "columns": "nonsense"}).status_code == 400
    )
