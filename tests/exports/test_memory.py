"""A 100,000-row export in its own process stays within a fixed memory bound.

CSV is measured with 100,000 rows on every backend, since the server-side cursor is what differs
between them; XLSX, HTML and PDF with 25,000 rows on SQLite, since their writers are the same
everywhere and slower per row. Rows are bulk-inserted with Core.

The export runs through `horae export` in a subprocess that reports its peak resident set size:
the kernel's high-water mark of the process's own memory (`VmHWM`). `ru_maxrss` is the same
figure except that on Linux a child's value starts at its parent's size at fork time (here the
size of the test process), so it is only the fallback where /proc is missing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select

from horae.db import utcnow
from horae.timesheets.models import Timesheet, timesheet_tags
from tests.factories.reporting import Ledger

ROWS = 100_000
# XLSX, HTML and PDF take longer per row; their flatness shows on fewer rows.
FORMAT_ROWS = 25_000
PEAK_BOUND_MB = 150
# A full export may use at most this much more than one of 2,000 rows.
GROWTH_BOUND_MB = 20
MEASURED = """
import resource, sys
from horae.cli import main

def peak_kb():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

code = main(sys.argv[1:])
print(f"peak_kb={peak_kb()}")
sys.exit(code)
"""


def bulk_insert(backend: Any, ledger: Ledger, user_id: int, count: int) -> None:
    customer = ledger.customer("Bulk customer")
    project = ledger.project(customer, "Bulk project")
    activity = ledger.activity("Bulk activity")
    tag = ledger.tag("bulk")
    start = datetime(2023, 1, 1, tzinfo=UTC)
    now = utcnow()
    with backend.db.engine.begin() as connection:
        for first in range(0, count, 20_000):
            rows = []
            for n in range(first, min(first + 20_000, count)):
                begin = start + timedelta(minutes=30 * n)
                rows.append(
                    {
                        "user_id": user_id, "project_id": project, "activity_id": activity,
                        "begin": begin, "end": begin + timedelta(minutes=25), "timezone": "Europe/Berlin",
                        "date": begin.date(), "duration": 1500, "break": 0,
                        "description": f"bulk entry {n:06d} with a few words of description",
                        "rate": Decimal("12.5"), "internal_rate": Decimal("8.25"), "exported": False,
                        "billable": n % 7 != 0, "category": "work", "modified_at": now,
                    }
                )  # fmt: skip
            connection.execute(insert(Timesheet.__table__), rows)
        ids = connection.scalars(select(Timesheet.id).where(Timesheet.user_id == user_id)).all()
        tagged = [{"timesheet_id": i, "tag_id": tag} for i in ids[::10]]
        connection.execute(insert(timesheet_tags), tagged)


def measured_export(backend: Any, target: Path, *args: str) -> tuple[int, float, float]:
    """Runs the export; returns (data lines or bytes, peak RSS in MB, seconds)."""
    env = {**os.environ, "HORAE_DATABASE_URL": backend.url}
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", MEASURED, "export", "--output", str(target), "--quiet", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    peak_kb = int(result.stdout.strip().splitlines()[-1].removeprefix("peak_kb="))
    exported = int(result.stdout.split("Exported ", 1)[1].split(" ", 1)[0])
    return exported, peak_kb / 1024, elapsed


def exports_within_bounds(backend: Any, tmp_path: Path, fmt: str, rows: int) -> None:
    small, small_peak, _ = measured_export(
        backend,
        tmp_path / f"small.{fmt}",
        "--format",
        fmt,
        "--end",
        "2023-02-11T15:59:59",
        "--timezone",
        "UTC",
    )
    count, peak, seconds = measured_export(backend, tmp_path / f"all.{fmt}", "--format", fmt)

    assert small == 2_000
    assert count == rows
    assert peak < PEAK_BOUND_MB, f"{fmt}: {peak:.0f} MB at peak"
    assert peak - small_peak < GROWTH_BOUND_MB, (
        f"{fmt}: {small_peak:.0f} MB for 2,000 rows, {peak:.0f} MB for all"
    )
    print(
        f"{backend.name} {fmt}: {peak:.0f} MB for {rows} rows, {small_peak:.0f} MB for 2,000, {seconds:.0f} s"
    )


@pytest.mark.slow
def test_a_100000_row_export_keeps_memory_flat(
    backend: Any, ledger: Ledger, make_user: Any, tmp_path: Path
) -> None:
    bulk_insert(backend, ledger, make_user(username="bulk").id, ROWS)

    exports_within_bounds(backend, tmp_path, "csv", ROWS)

    assert (tmp_path / "all.csv").read_bytes().count(b"\r\n") == ROWS + 1


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["xlsx", "html", "pdf"])
def test_every_format_keeps_memory_flat(
    backend: Any, ledger: Ledger, make_user: Any, tmp_path: Path, fmt: str
) -> None:
    if backend.name != "sqlite":
        pytest.skip("the writers are the same on every backend; the CSV test covers each cursor")
    bulk_insert(backend, ledger, make_user(username="bulk").id, FORMAT_ROWS)

    exports_within_bounds(backend, tmp_path, fmt, FORMAT_ROWS)
