"""`horae export`: run as the operator or as a user, with filters, into a file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import select

from horae.timesheets.models import Timesheet
from tests.exports.readers import read_csv, read_html, read_pdf, read_xlsx
from tests.factories.reporting import ExportScenario

# What the `horae` console script runs (`python -m horae.cli` would load a second copy of the
# module, whose list of extra commands nobody fills).
HORAE = "import sys; from horae.cli import main; sys.exit(main(sys.argv[1:]))"
# Several command lines run one after the other in one process (a process costs seconds to
# start): prints each one's exit status and standard error as a JSON list.
HORAE_SEVERAL = """
import contextlib, io, json, sys
from horae.cli import main

outcomes = []
for argv in json.loads(sys.argv[1]):
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        try:
            status = main(argv)
        except SystemExit as exc:
            status = exc.code
    outcomes.append([status, err.getvalue()])
print(json.dumps(outcomes))
"""


def horae(backend: Any, *args: str, script: str = HORAE) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HORAE_DATABASE_URL": backend.url, "HORAE_DEFAULT_TIMEZONE": "Europe/Berlin"}
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def horae_several(backend: Any, *command_lines: list[str]) -> list[tuple[int, str]]:
    """Runs the command lines in one process; each one's (exit status, standard error)."""
    result = horae(backend, json.dumps(command_lines), script=HORAE_SEVERAL)
    assert result.returncode == 0, result.stderr
    return [(status, err) for status, err in json.loads(result.stdout.strip().splitlines()[-1])]


def test_the_operator_exports_every_row(
    backend: Any, export_scenario: ExportScenario, tmp_path: Path
) -> None:
    target = tmp_path / "all.csv"

    result = horae(
        backend, "export", "--format", "csv", "--output", str(target), "--columns", "id,description"
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"Exported {len(export_scenario.entries)} rows to {target}."
    _, rows = read_csv(target.read_bytes())
    assert sorted(int(row[0]) for row in rows) == sorted(e.id for e in export_scenario.entries)
    assert not [p for p in tmp_path.iterdir() if p.name != "all.csv"], "no temporary file is left behind"


def test_export_as_a_user_gets_what_the_api_gives_them(
    backend: Any, export_scenario: ExportScenario, tmp_path: Path
) -> None:
    target = tmp_path / "alice.xlsx"

    result = horae(
        backend, "export", "--format", "xlsx", "--output", str(target), "--as", "alice", "--user", "bob",
        "--columns", "id",
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    _, rows = read_xlsx(target.read_bytes())
    alice = export_scenario.base.alice.id
    assert sorted(row[0] for row in rows) == sorted(
        e.id for e in export_scenario.entries if e.user_id == alice
    )


def test_filters_and_marking_from_the_command_line(
    backend: Any, export_scenario: ExportScenario, tmp_path: Path
) -> None:
    s = export_scenario.base
    target = tmp_path / "bob.html"

    result = horae(
        backend, "export", "--format", "html", "--output", str(target), "--user", "bob",
        "--begin", "2024-03-31", "--end", "2024-04-02T23:59", "--timezone", "America/New_York",
        "--columns", "id,description", "--mark-exported", "--quiet",
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("and marked them as exported.")
    _, rows, _, _ = read_html(target.read_bytes())
    expected = {
        e.id
        for e in export_scenario.entries
        if e.user_id == s.bob.id
        and e.local_date.isoformat() >= "2024-03-31"
        and e.local_date.isoformat() <= "2024-04-02"
    }
    assert {int(row[0]) for row in rows} == expected
    with s.ledger.backend.db.session(write=False) as session:
        marked = set(session.scalars(select(Timesheet.id).where(Timesheet.exported.is_(True))))
    assert expected <= marked


def test_a_pdf_from_the_command_line(backend: Any, export_scenario: ExportScenario, tmp_path: Path) -> None:
    target = tmp_path / "all.pdf"

    result = horae(backend, "export", "--format", "pdf", "--output", str(target), "--locale", "de_DE")

    assert result.returncode == 0, result.stderr
    pages, text = read_pdf(target.read_bytes())
    assert pages >= 1
    assert "Grüße €" in text and "175,50\xa0€" in text


def test_the_progress_bar_goes_to_stderr(
    backend: Any, export_scenario: ExportScenario, tmp_path: Path
) -> None:
    result = horae(backend, "export", "--format", "csv", "--output", str(tmp_path / "x.csv"))

    assert result.returncode == 0
    total = len(export_scenario.entries)
    assert f"{total}/{total}" in result.stderr
    assert "Exporting" in result.stderr


def test_command_line_mistakes_end_with_one_line(
    backend: Any, export_scenario: ExportScenario, tmp_path: Path
) -> None:
    target = str(tmp_path / "x.csv")
    cases = [
        (["--user", "nobody"], "horae: error: unknown user 'nobody'"),
        (["--begin", "31.03.2024"], "horae: error: begin must look like YYYY-MM-DDTHH:MM:SS"),
        (["--as", "alice", "--columns", "date,rate"], "horae: error: the column 'rate' needs the permission"),
        (["--as", "alice", "--mark-exported"], "horae: error: marking as exported needs"),
        (["--as", "nobody"], "horae: error: not found: user 'nobody'"),
        (["--columns", "colour"], "horae: error: unknown column 'colour'"),
        (["--timezone", "Mars/Olympus"], "horae: error: unknown timezone 'Mars/Olympus'"),
        (["--locale", "xx_YY"], "horae: error: unknown locale 'xx_YY'"),
        (["--tag", "no-such-tag"], "horae: error: none of the tags exists"),
    ]
    outcomes = horae_several(
        backend,
        *(["export", "--format", "csv", "--output", target, *extra] for extra, _ in cases),
        ["export", "--format", "csv", "--output", str(tmp_path / "no" / "x.csv")],
        ["export", "--format", "docx", "--output", target],
    )
    assert len(outcomes) == len(cases) + 2
    for (extra, message), (status, stderr) in zip(cases, outcomes[: len(cases)], strict=True):
        assert status == 1, extra
        assert stderr.startswith(message), (extra, stderr)
        assert len(stderr.strip().splitlines()) == 1
        assert not Path(target).exists()

    missing_status, missing_stderr = outcomes[-2]
    assert missing_status == 1 and "does not exist" in missing_stderr
    wrong_status, _ = outcomes[-1]
    assert wrong_status == 2
