"""Exports through the service: each format read back holds exactly the filtered, visible rows."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from horae.errors import BadRequest, Forbidden
from horae.exports.filters import ExportFilter
from horae.exports.service import OTHER_PERMISSION, ExportRequest, meta_fields, prepare_export, run_export
from horae.exports.source import export_rows, stream
from horae.timesheets.models import Timesheet
from horae.timesheets.search import term_conditions
from tests.exports.readers import read_csv, read_html, read_pdf, read_xlsx
from tests.factories.reporting import Entry, ExportScenario, actor_of, local, statements

ID_COLUMNS = ("id", "description")


def export(backend: Any, viewer: Any, fmt: str, **kwargs: Any) -> bytes:
    actor = actor_of(backend, viewer)
    with backend.db.session(write=False) as session:
        prepared = prepare_export(session, actor, ExportRequest(format=fmt, **kwargs))
    return b"".join(run_export(backend.db, prepared))


def visible_to(data: ExportScenario, viewer: str) -> list[Entry]:
    """What each role's export holds, straight from the contract's rules (TIMESHEETS §7.5)."""
    s = data.base
    owners = {
        "alice": {s.alice.id},
        "bob": {s.bob.id},
        "carol": {s.carol.id},
        "lead": {s.lead.id, s.alice.id},
        "admin": None,
        "super": None,
    }[viewer]
    # The lead is no member of the team that owns "Secret Corp"; everyone else here either is
    # (carol) or sees all data.
    hidden = {s.hidden} if viewer in ("alice", "bob", "lead") else set()
    return [e for e in data.entries if (owners is None or e.user_id in owners) and e.project_id not in hidden]


def ordered(entries: list[Entry]) -> list[str]:
    return [e.description or "" for e in sorted(entries, key=lambda e: (e.begin, e.id))]


def in_csv(descriptions: list[str]) -> list[str]:
    """Descriptions as the CSV writes them: text a spreadsheet would run as a formula is quoted."""
    return ["'" + d if d.startswith(("=", "+", "-", "@")) else d for d in descriptions]


@pytest.mark.parametrize("viewer", ["alice", "bob", "carol", "lead", "admin", "super"])
def test_csv_holds_exactly_the_rows_the_caller_may_see(
    backend: Any, export_scenario: ExportScenario, viewer: str
) -> None:
    handle = getattr(export_scenario.base, viewer)

    header, rows = read_csv(export(backend, handle, "csv", columns=ID_COLUMNS))

    assert header == ["ID", "Description"]
    expected = visible_to(export_scenario, viewer)
    assert [row[1] for row in rows] == in_csv(ordered(expected))
    assert [int(row[0]) for row in rows] == [e.id for e in sorted(expected, key=lambda e: (e.begin, e.id))]


def test_csv_writes_kimais_default_columns_in_the_users_locale(
    backend: Any, export_scenario: ExportScenario
) -> None:
    header, rows = read_csv(export(backend, export_scenario.base.admin, "csv"))

    assert header == [
        "Date", "Begin", "End", "Duration", "User", "Customer", "Project", "Activity", "Description", "Tags",
        "Hourly rate", "Fixed rate", "Rate", "Internal rate", "Currency", "Exported", "Billable",
        "Location", "ticket",
    ]  # fmt: skip
    by_description = {row[8]: row for row in rows}
    assert by_description['Quote " comma, <b>bold</b> & Grüße €'] == [
        "3/27/2024", "8:00\u202fAM", "9:45\u202fAM", "1:45", "alice", "ACME", "Website", "Design",
        'Quote " comma, <b>bold</b> & Grüße €', "Review, urgent",
        "€100.00", "", "€175.50", "€99.99", "EUR", "no", "yes", "Berlin", "",
    ]  # fmt: skip
    # Bob's entry is shown in New York time, with the customer's currency.
    bob = by_description["Bob's fixed"]
    assert bob[:4] == ["4/2/2024", "9:00\u202fAM", "11:00\u202fAM", "2:00"]
    assert bob[11:15] == ["$300.00", "$300.00", "", "USD"]
    # A running entry has no end and no duration yet.
    assert by_description["Running"][2:4] == ["", "0:00"]
    # Text that a spreadsheet would run as a formula is defused; hidden tags still show.
    formula = by_description["'=SUM(A1:A2)\nsecond line"]
    assert formula[9] == "internal, Review"


def test_csv_follows_a_german_locale(backend: Any, export_scenario: ExportScenario) -> None:
    export_scenario.base.ledger.preference(export_scenario.base.admin.id, "language", "de")

    header, rows = read_csv(
        export(backend, export_scenario.base.admin, "csv", columns=("date", "begin", "rate"))
    )

    assert header == ["Date", "Begin", "Rate"]
    assert ["27.3.2024", "08:00", "175,50\xa0€"] in rows


def test_a_locale_preference_wins_over_the_language(backend: Any, export_scenario: ExportScenario) -> None:
    ledger = export_scenario.base.ledger
    ledger.preference(export_scenario.base.admin.id, "language", "de")
    ledger.preference(export_scenario.base.admin.id, "locale", "fr_CH")

    _, rows = read_csv(export(backend, export_scenario.base.admin, "csv", columns=("date", "rate")))

    assert ["27.03.2024", "175,50\xa0€"] in rows


FILTERS: dict[
    str, tuple[Callable[[ExportScenario], ExportFilter], Callable[[ExportScenario, Entry], bool]]
] = {
    "user": (lambda d: ExportFilter(users=(d.base.bob.id,)), lambda d, e: e.user_id == d.base.bob.id),
    "customer": (
        lambda d: ExportFilter(customers=(d.base.globex,)),
        lambda d, e: e.project_id == d.base.migration,
    ),
    "project": (
        lambda d: ExportFilter(projects=(d.base.website, d.base.support)),
        lambda d, e: e.project_id in (d.base.website, d.base.support),
    ),
    "activity": (
        lambda d: ExportFilter(activities=(d.base.meeting,)),
        lambda d, e: e.activity_id == d.base.meeting,
    ),
    "tags": (
        lambda d: ExportFilter(tags=(d.urgent, d.hidden_tag)),
        lambda d, e: bool({"urgent", "internal"} & set(e.tags)),
    ),
    "begin and end": (
        lambda d: ExportFilter(
            begin=local("2024-03-31T00:00", "Europe/Berlin"), end=local("2024-04-01T00:30", "Europe/Berlin")
        ),
        lambda d, e: (
            local("2024-03-31T00:00", "Europe/Berlin")
            <= e.begin
            <= local("2024-04-01T00:30", "Europe/Berlin")
        ),
    ),
    "exported": (lambda d: ExportFilter(exported=True), lambda d, e: e.exported),
    "not exported": (lambda d: ExportFilter(exported=False), lambda d, e: not e.exported),
    "not billable": (lambda d: ExportFilter(billable=False), lambda d, e: not e.billable),
    "running": (lambda d: ExportFilter(active=True), lambda d, e: e.end is None),
    "stopped": (lambda d: ExportFilter(active=False), lambda d, e: e.end is not None),
    "term": (
        lambda d: ExportFilter(conditions=tuple(term_conditions("comma grüße"))),
        lambda d, e: (e.description or "").startswith("Quote"),
    ),
    "term on a custom field": (
        lambda d: ExportFilter(conditions=tuple(term_conditions("ticket:T-1"))),
        lambda d, e: ("ticket", "T-1") in e.meta,
    ),
    "combined": (
        lambda d: ExportFilter(
            projects=(d.base.website,), billable=True, active=False, users=(d.base.alice.id,)
        ),
        lambda d, e: e.project_id == d.base.website and e.billable and e.end and e.user_id == d.base.alice.id,
    ),
}


@pytest.mark.parametrize("name", list(FILTERS))
def test_each_filter_selects_exactly_its_rows(
    backend: Any, export_scenario: ExportScenario, name: str
) -> None:
    build, keep = FILTERS[name]

    _, rows = read_csv(
        export(backend, export_scenario.base.admin, "csv", columns=ID_COLUMNS, filter=build(export_scenario))
    )

    expected = [e for e in export_scenario.entries if keep(export_scenario, e)]
    assert expected, "the filter must select something"
    assert [row[1] for row in rows] == in_csv(ordered(expected))


def test_rows_come_in_the_requested_order(backend: Any, export_scenario: ExportScenario) -> None:
    criteria = ExportFilter(order_by="begin", order="DESC")

    _, rows = read_csv(
        export(backend, export_scenario.base.admin, "csv", columns=ID_COLUMNS, filter=criteria)
    )

    assert [row[1] for row in rows] == in_csv(list(reversed(ordered(export_scenario.entries))))


def test_xlsx_holds_typed_cells(backend: Any, export_scenario: ExportScenario) -> None:
    columns = (
        "id",
        "date",
        "begin",
        "end",
        "duration",
        "user",
        "description",
        "rate",
        "exported",
        "billable",
    )

    header, rows = read_xlsx(export(backend, export_scenario.base.lead, "xlsx", columns=columns))

    assert header == [
        "ID",
        "Date",
        "Begin",
        "End",
        "Duration",
        "User",
        "Description",
        "Rate",
        "Exported",
        "Billable",
    ]
    expected = visible_to(export_scenario, "lead")
    assert [row[6] for row in rows] == ordered(expected)
    row = next(r for r in rows if r[6] == 'Quote " comma, <b>bold</b> & Grüße €')
    assert row[1] == datetime(2024, 3, 27)
    assert row[2] == datetime(2024, 3, 27, 8, 0) and row[3] == datetime(2024, 3, 27, 9, 45)
    assert row[4] == timedelta(minutes=105)
    assert row[5] == "alice" and row[7] == 175.5 and row[8] is False and row[9] is True
    formula = next(r for r in rows if str(r[6]).startswith("=SUM"))
    assert formula[6] == "=SUM(A1:A2)\nsecond line"


def test_html_escapes_every_value(backend: Any, export_scenario: ExportScenario) -> None:
    columns = ("id", "date", "duration", "user", "description", "tags", "rate")

    header, rows, footer, tags = read_html(
        export(backend, export_scenario.base.admin, "html", columns=columns)
    )

    assert header == ["ID", "Date", "Duration", "User", "Description", "Tags", "Rate"]
    assert [row[4] for row in rows] == ordered(export_scenario.entries)
    assert "b" not in tags and "script" not in tags
    row = next(r for r in rows if r[4].startswith("Quote"))
    assert row[4:7] == ['Quote " comma, <b>bold</b> & Grüße €', "Review, urgent", "€175.50"]
    total = sum(e.duration for e in export_scenario.entries)
    assert footer[0] == f"{len(rows)} entries"
    assert footer[2] == f"{total // 3600}:{total % 3600 // 60:02d}"
    assert "€" in footer[6] and "$" in footer[6]


def test_pdf_holds_the_rows_in_its_text(backend: Any, export_scenario: ExportScenario) -> None:
    columns = ("date", "user", "project", "description")

    pages, text = read_pdf(export(backend, export_scenario.base.lead, "pdf", columns=columns))

    assert pages == 1
    found = re.findall(r"E\d{4}|Quote|Bob's fixed|Running|=SUM", text)
    expected = [
        "Quote" if d.startswith("Quote") else "=SUM" if d.startswith("=SUM") else d
        for d in ordered(visible_to(export_scenario, "lead"))
    ]
    assert found == expected
    assert "Grüße €" in text
    assert "Timesheets" in text and "Page 1" in text


def test_pdf_breaks_long_exports_into_pages(backend: Any, export_scenario: ExportScenario) -> None:
    s = export_scenario.base
    for n in range(150):
        begin = f"2024-05-{n % 28 + 1:02d}T{n % 10 + 8:02d}:00"
        end = begin.replace(":00", ":30")
        description = f"bulk-{n:03d} " + "long words " * (n % 7)
        s.ledger.entry(s.admin.id, s.website, s.design, begin, end, description=description)

    pages, text = read_pdf(export(backend, s.admin, "pdf", filter=ExportFilter(users=(s.admin.id,))))

    assert pages > 3
    assert sorted(re.findall(r"bulk-\d{3}", text)) == [f"bulk-{n:03d}" for n in range(150)]
    assert f"Page {pages}" in text


def test_a_plain_user_gets_no_rate_columns(backend: Any, export_scenario: ExportScenario) -> None:
    header, _ = read_csv(export(backend, export_scenario.base.alice, "csv"))

    assert "Rate" not in header and "Hourly rate" not in header and "Internal rate" not in header
    with pytest.raises(Forbidden):
        export(backend, export_scenario.base.alice, "csv", columns=("date", "rate"))


def test_unknown_columns_and_formats_are_refused(backend: Any, export_scenario: ExportScenario) -> None:
    with pytest.raises(BadRequest):
        export(backend, export_scenario.base.admin, "csv", columns=("date", "colour"))
    with pytest.raises(BadRequest):
        export(backend, export_scenario.base.admin, "docx")


def test_hidden_custom_fields_are_not_columns(backend: Any, export_scenario: ExportScenario) -> None:
    with pytest.raises(BadRequest):
        export(backend, export_scenario.base.admin, "csv", columns=("meta.secret",))
    header, rows = read_csv(
        export(backend, export_scenario.base.admin, "csv", columns=("description", "meta.ticket"))
    )
    assert header == ["Description", "ticket"]
    assert ["'=SUM(A1:A2)\nsecond line", "T-1"] in rows


# --- mark as exported ----------------------------------------------------------------------------


def exported_ids(backend: Any) -> set[int]:
    with backend.db.session(write=False) as session:
        return set(session.scalars(select(Timesheet.id).where(Timesheet.exported.is_(True))))


def test_mark_as_exported_marks_exactly_the_exported_rows(
    backend: Any, export_scenario: ExportScenario
) -> None:
    before = exported_ids(backend)
    criteria = ExportFilter(exported=False, active=False)

    _, rows = read_csv(
        export(
            backend, export_scenario.base.lead, "csv", columns=ID_COLUMNS, filter=criteria, mark_exported=True
        )
    )

    marked = {int(row[0]) for row in rows}
    expected = {e.id for e in visible_to(export_scenario, "lead") if not e.exported and e.end is not None}
    assert marked == expected
    assert exported_ids(backend) == before | expected
    # A second export of unexported rows finds none of them.
    _, again = read_csv(
        export(backend, export_scenario.base.lead, "csv", columns=ID_COLUMNS, filter=criteria)
    )
    assert again == []


@pytest.mark.parametrize("fmt", ["xlsx", "pdf", "html"])
def test_mark_as_exported_works_for_every_format(
    backend: Any, export_scenario: ExportScenario, fmt: str
) -> None:
    criteria = ExportFilter(users=(export_scenario.base.bob.id,))

    export(backend, export_scenario.base.admin, fmt, filter=criteria, mark_exported=True)

    assert {
        e.id for e in export_scenario.entries if e.user_id == export_scenario.base.bob.id
    } <= exported_ids(backend)


def test_a_plain_user_may_not_mark_as_exported(backend: Any, export_scenario: ExportScenario) -> None:
    with pytest.raises(Forbidden):
        export(backend, export_scenario.base.alice, "csv", mark_exported=True)


def test_an_abandoned_export_marks_nothing(backend: Any, export_scenario: ExportScenario) -> None:
    before = exported_ids(backend)
    actor = actor_of(backend, export_scenario.base.admin)
    with backend.db.session(write=False) as session:
        prepared = prepare_export(session, actor, ExportRequest(format="csv", mark_exported=True))

    chunks = run_export(backend.db, prepared)
    next(chunks)
    chunks.close()

    assert exported_ids(backend) == before
    # The database is fine afterwards, and the next export can mark.
    export(backend, export_scenario.base.admin, "csv", mark_exported=True)
    assert exported_ids(backend) == {e.id for e in export_scenario.entries}


def test_an_export_runs_a_fixed_number_of_statements(backend: Any, export_scenario: ExportScenario) -> None:
    actor = actor_of(backend, export_scenario.base.admin)
    counts = []
    for criteria in (ExportFilter(users=(export_scenario.base.bob.id,)), ExportFilter()):
        with backend.db.session(write=False) as session:
            prepared = prepare_export(session, actor, ExportRequest(format="csv", filter=criteria))
        counter = backend.count_queries()
        b"".join(run_export(backend.db, prepared))
        counts.append(statements(counter))
        counter.active = False
    assert counts[0] == counts[1] <= 2


def test_generated_files_carry_a_creation_time(backend: Any, export_scenario: ExportScenario) -> None:
    actor = actor_of(backend, export_scenario.base.admin)
    with backend.db.session(write=False) as session:
        prepared = prepare_export(session, actor, ExportRequest(format="xlsx"))
    assert re.fullmatch(r"horae-timesheets-\d{8}-\d{6}\.xlsx", prepared.filename)
    assert prepared.document.generated_at is not None
    assert abs(prepared.document.generated_at - datetime.now(UTC)).total_seconds() < 60


def test_an_export_reads_only_the_columns_it_writes(backend: Any, export_scenario: ExportScenario) -> None:
    counter = backend.count_queries()
    written = export(backend, export_scenario.base.admin, "csv", columns=("date", "duration", "user"))
    counter.active = False
    _, rows = read_csv(written)

    assert len(rows) == len(export_scenario.entries)
    (read,) = [q for q in counter.statements if "FROM timesheets" in q and "duration" in q]
    selected = read.split("FROM timesheets")[0].lower()
    # The columns' own fields and the currency; no tags, custom fields, numbers or rates.
    for kept in ("date", "duration", "alias", "username", "currency"):
        assert kept in selected, kept
    left_out = ("timesheet_tags", "timesheet_meta", "account_number", "vat_id", "hourly_rate", "description")
    for label in left_out:
        assert label not in selected, label


@pytest.mark.parametrize("batch_size", [1, 4, 1000])
def test_streamed_batches_hold_the_values_and_types_sqlalchemy_reads(
    backend: Any, export_scenario: ExportScenario, batch_size: int
) -> None:
    actor = actor_of(backend, export_scenario.base.super)
    criteria = ExportFilter()
    with backend.db.session(write=False) as session:
        statement = export_rows(actor, criteria, OTHER_PERMISSION, [name for name, _ in meta_fields(session)])
        rows = session.connection().execute(statement).all()
        batches = list(stream(session.connection(), statement, batch_size=batch_size))

    assert len(rows) == len(export_scenario.entries)
    assert [len(batch["id"]) for batch in batches] == [
        min(batch_size, len(rows) - start) for start in range(0, len(rows), batch_size)
    ]
    streamed = {label: [value for batch in batches for value in batch[label]] for label in batches[0]}
    assert list(streamed) == list(rows[0]._fields)
    for position, label in enumerate(streamed):
        expected = [row[position] for row in rows]
        assert streamed[label] == expected, label
        assert [type(value) for value in streamed[label]] == [type(value) for value in expected], label
    # The scenario exercises the conversions: dates, instants, fractional rates and missing ones.
    assert {type(value).__name__ for value in streamed["rate"]} == {"Decimal"}
    assert None in streamed["internal_rate"] and Decimal("125.25") in streamed["rate"]
    assert {type(value).__name__ for value in streamed["begin"]} == {"datetime"}
