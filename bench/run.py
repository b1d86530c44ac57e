"""`make bench`: load benchmarks of Horae against baselines measured in the same run.

    .venv/bin/python bench/run.py [--size full|small] [--mode load|catalog] [--only W1,W9]

1. Builds the dataset once with `horae demo` (cached in bench/.cache/datasets, keyed by the
   generator version and its parameters) and copies it for this run.
2. Starts `horae serve` on a free port as a user would, and the floor app (bench/floor.py) beside
   it, both pinned to the same CPU; wrk (installed from Debian's packages when missing) runs on
   the other CPU and drives each workload at 1 and 10 connections.
3. Skips a workload whose endpoint answers 404 or 405 ("not available").
4. Measures the baselines: the floor for W1/W3/W4/W9, the same SQL run directly for W5-W7
   (the statements Horae ran for one request, captured in-process and replayed on the driver),
   and TimeTagger (installed into a separate venv under bench/.cache) for "list a week" and
   "create a record".
5. Writes bench/results/<date>.json, docs/benchmarks.md with its plots, and prints the table
   (a small run writes to bench/.cache/results instead, leaving the committed report alone).
"""

from __future__ import annotations

import argparse
import base64
import csv
import io
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, event, text

from horae.demo import GENERATOR_VERSION, PRESETS, DemoSpec

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
CACHE = BENCH / ".cache"
LUA = BENCH / "lua"
HORAE = Path(sys.executable).with_name("horae")
PYTHON = Path(sys.executable)


class BenchError(Exception):
    """The benchmark cannot go on (a tool is missing, a server does not start)."""


# --- sizes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Size:
    spec: DemoSpec
    duration: int
    warmup: int
    # The longest a slow request's run may be stretched to (see `measure`).
    max_seconds: int = 180


def _today() -> date:
    return datetime.now(UTC).date()


def sizes(until: date) -> dict[str, Size]:
    return {
        # The performance issue's dataset (50,000 tags for W9: 2,000 in use, the rest spare).
        "full": Size(replace(PRESETS["large"], spare_tags=48_000, until=until), duration=15, warmup=3),
        # A couple of minutes end to end, for developing the harness and the endpoints.
        "small": Size(
            DemoSpec(
                timesheets=50_000,
                users=20,
                teams=4,
                customers=10,
                projects=60,
                activities=300,
                tags=200,
                spare_tags=4_800,
                days=365,
                until=until,
            ),
            duration=3,
            warmup=1,
            max_seconds=30,
        ),
    }


def catalog_sizes(until: date) -> dict[str, Size]:
    return {
        "full": Size(replace(PRESETS["catalog"], until=until), duration=10, warmup=2),
        "small": Size(
            replace(
                PRESETS["catalog"],
                customers=500,
                projects=5_000,
                activities=10_000,
                timesheets=5_000,
                until=until,
            ),
            duration=3,
            warmup=1,
            max_seconds=30,
        ),
    }


# --- the dataset ------------------------------------------------------------------------------


@dataclass
class Dataset:
    path: Path
    credentials: dict[str, Any]
    build: dict[str, Any]
    # On PostgreSQL the dataset is a database of that name on the server; `path` then holds
    # only the build record.
    database: str | None = None

    @property
    def url(self) -> str:
        return pg_url(self.database) if self.database else f"sqlite:///{self.path}"


# PostgreSQL runs use the local server (trust authentication, as the test suite does).
PG_SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432")
PG_RUN_DATABASE = "horae_bench_run"


def pg_url(database: str) -> str:
    return f"{PG_SERVER}/{database}"


def pg_admin(*statements: str) -> None:
    """Statements that cannot run in a transaction (CREATE/DROP DATABASE), on the server."""
    from sqlalchemy import create_engine, text

    engine = create_engine(pg_url("postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        engine.dispose()


def demo_arguments(spec: DemoSpec) -> list[str]:
    arguments = ["demo"]
    for name in (
        "timesheets",
        "users",
        "teams",
        "customers",
        "projects",
        "activities",
        "tags",
        "spare_tags",
        "days",
        "seed",
    ):
        arguments += [f"--{name.replace('_', '-')}", str(getattr(spec, name))]
    return [*arguments, "--until", spec.until.isoformat()]


def ensure_dataset(
    label: str, spec: DemoSpec, say: Callable[[str], None], backend: str = "sqlite"
) -> Dataset:
    """The cached dataset for `spec`, built with `horae demo` on first use: a SQLite file, or a
    PostgreSQL database named after the cache key."""
    key = spec.cache_key()
    folder = CACHE / "datasets" / f"{label}-{key}"
    done = folder / "build.json"
    database = f"horae_bench_{key}" if backend == "postgresql" else None
    if not done.exists():
        # Older builds of this label only: "load-full-<key>", not "load-full-postgresql-<key>".
        for stale in (CACHE / "datasets").glob(f"{label}-*"):
            if re.fullmatch(rf"{re.escape(label)}-[0-9a-f]{{16}}", stale.name):
                shutil.rmtree(stale)
        folder.mkdir(parents=True)
        credentials = folder / "credentials.json"
        command = [str(HORAE), *demo_arguments(spec), "--credentials", str(credentials)]
        say(f"building the dataset: horae {' '.join(command[1:-2])}")
        url = f"sqlite:///{folder / 'horae.sqlite'}"
        if database:
            pg_admin(f'DROP DATABASE IF EXISTS "{database}"', f'CREATE DATABASE "{database}"')
            url = pg_url(database)
        env = {**os.environ, "HORAE_DATABASE_URL": url}
        started = time.perf_counter()
        completed = subprocess.run(command, env=env, capture_output=True, text=True)
        if completed.returncode:
            shutil.rmtree(folder)
            raise BenchError(f"horae demo failed: {completed.stderr.strip() or completed.stdout.strip()}")
        seconds = time.perf_counter() - started
        match = re.search(r"in ([\d.]+) s \(([\d,]+) per second\)", completed.stdout)
        build = {
            "generator_version": GENERATOR_VERSION,
            "command": "horae " + " ".join(demo_arguments(spec)),
            "seconds": round(seconds, 1),
            "timesheet_seconds": float(match.group(1)) if match else None,
            "timesheets_per_second": int(match.group(2).replace(",", "")) if match else None,
            "bytes": None if database else (folder / "horae.sqlite").stat().st_size,
        }
        done.write_text(json.dumps(build, indent=1) + "\n")
        say(f"built in {seconds:.0f} s")
    return Dataset(
        folder / "horae.sqlite",
        json.loads((folder / "credentials.json").read_text()),
        json.loads(done.read_text()),
        database,
    )


def working_copy(dataset: Dataset) -> str:
    """Each run writes (W3, W4) into a fresh copy; the cached dataset stays as built. Answers
    the copy's database URL (on PostgreSQL a database created from the dataset as template)."""
    if dataset.database:
        pg_admin(
            f'DROP DATABASE IF EXISTS "{PG_RUN_DATABASE}"',
            f'CREATE DATABASE "{PG_RUN_DATABASE}" TEMPLATE "{dataset.database}"',
        )
        return pg_url(PG_RUN_DATABASE)
    target = CACHE / "run" / "horae.sqlite"
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(dataset.path, target)
    return f"sqlite:///{target}"


# --- who and what the workloads use -----------------------------------------------------------


@dataclass
class Context:
    credentials: dict[str, Any]
    admin: dict[str, Any]
    lead: dict[str, Any]
    plain: list[dict[str, Any]]
    until: date
    week: tuple[date, date]
    month: tuple[date, date]
    quarter: tuple[date, date]
    project: int
    activity: int
    tag_names: list[str]
    tag_term: str
    tag_matches: int
    week_records: int
    quarter_rows: int
    customer: int

    @property
    def password(self) -> str:
        return str(self.credentials["password"])

    @property
    def api_password(self) -> str:
        return str(self.credentials["api_password"])

    def bearer(self, user: dict[str, Any]) -> dict[str, str]:
        return {"Authorization": f"Bearer {user['token']}"}

    def legacy(self, user: dict[str, Any]) -> dict[str, str]:
        return {"X-AUTH-USER": user["username"], "X-AUTH-TOKEN": self.api_password}

    def fill(self, template: str) -> str:
        values = {
            "week_start": self.week[0].isoformat(),
            "week_end": self.week[1].isoformat(),
            "month_start": self.month[0].isoformat(),
            "month_end": self.month[1].isoformat(),
            "month": self.month[0].strftime("%Y-%m"),
            "quarter_start": self.quarter[0].isoformat(),
            "quarter_end": self.quarter[1].isoformat(),
        }
        return template.format(**values)


def _previous_month(day: date) -> tuple[date, date]:
    last = day.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def discover(url: str, credentials: dict[str, Any], until: date) -> Context:
    users = credentials["users"]
    admin = next(u for u in users if "ROLE_SUPER_ADMIN" in u["roles"])
    lead = next(u for u in users if u["led_team_ids"])
    plain = [u for u in users if not u["roles"]]
    week_end = until - timedelta(days=until.weekday() + 1)
    week = (week_end - timedelta(days=6), week_end)
    month = _previous_month(until)
    quarter_first = date(until.year, 3 * ((until.month - 1) // 3) + 1, 1)
    quarter_end = quarter_first - timedelta(days=1)
    quarter = (date(quarter_end.year, quarter_end.month - 2, 1), quarter_end)
    engine = create_engine(url)
    with engine.connect() as connection:
        # A project and activity open to every team, so that every user may book on them.
        customer, project, activity = connection.execute(
            text(
                "SELECT p.customer_id, p.id, a.id FROM projects p JOIN activities a ON a.project_id = p.id "
                "WHERE p.id NOT IN (SELECT project_id FROM team_projects) "
                "AND p.customer_id NOT IN (SELECT customer_id FROM team_customers) "
                "AND a.id NOT IN (SELECT activity_id FROM team_activities) ORDER BY p.id, a.id LIMIT 1"
            )
        ).one()
        tag_names = list(
            connection.scalars(
                text(
                    "SELECT t.name FROM tags t JOIN timesheet_tags l ON l.tag_id = t.id "
                    "GROUP BY t.name ORDER BY count(*) DESC, t.name LIMIT 3"
                )
            )
        )
        # A search term that finds a realistic handful of the tags (an autocompletion).
        term, matches = "", 0
        for candidate in connection.scalars(
            text("SELECT name FROM tags WHERE visible ORDER BY id LIMIT 400")
        ):
            found = connection.scalar(
                text("SELECT count(*) FROM tags WHERE visible AND lower(name) LIKE :p"),
                {"p": f"%{candidate}%"},
            )
            if 10 <= found <= 60:
                term, matches = candidate, found
                break
            if not term or abs(found - 30) < abs(matches - 30):
                term, matches = candidate, found
        first_user = plain[0]["id"]
        week_records = connection.scalar(
            text("SELECT count(*) FROM timesheets WHERE user_id = :u AND date >= :a AND date <= :b"),
            {"u": first_user, "a": week[0], "b": week[1]},
        )
        quarter_rows = connection.scalar(
            text("SELECT count(*) FROM timesheets WHERE date >= :a AND date <= :b"),
            {"a": quarter[0], "b": quarter[1]},
        )
    engine.dispose()
    return Context(
        credentials, admin, lead, plain, until, week, month, quarter, project, activity,
        tag_names, term, matches, week_records, quarter_rows, customer,
    )  # fmt: skip


# --- workloads ----------------------------------------------------------------------------------


@dataclass
class Request:
    """What wrk sends: one method, paths it cycles through, one header set per thread."""

    method: str
    paths: list[str]
    auths: list[dict[str, str]]
    body: str | None = None
    script: str = "request.lua"
    # Web pages authenticate with a signed-in session; the harness signs in first.
    session_users: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Workload:
    key: str
    title: str
    # Alternatives in order; the first one the server knows is measured (endpoints in progress
    # may land under either name). Each returns the Request for a given context.
    candidates: list[Callable[[Context], Request]]
    # "floor", "sql", "timetagger", or an earlier workload's key: its request to Horae, alternated
    # with this one's (`measure_pairs`).
    baseline: str | None = None
    writes: bool = False
    rows: Callable[[Context], int] | None = None
    target: str = ""


def _pages(template: str, count: int) -> list[str]:
    return [template.format(page=page) for page in range(1, count + 1)]


def _w1(full: bool) -> Callable[[Context], Request]:
    suffix = "&full=true" if full else ""
    return lambda c: Request(
        "GET", _pages("/api/timesheets?size=50&page={page}" + suffix, 4), [c.bearer(c.plain[0])]
    )


def _w1_week(c: Context) -> Request:
    path = f"/api/timesheets?begin={c.week[0]}T00:00:00&end={c.week[1]}T23:59:59&size=100"
    return Request("GET", [path], [c.bearer(c.plain[0])])


def _w2(c: Context) -> Request:
    month = f"begin={c.month[0]}T00:00:00&end={c.month[1]}T23:59:59"
    return Request(
        "GET", _pages(f"/api/timesheets?user=all&{month}&size=20&page={{page}}", 5), [c.bearer(c.lead)]
    )


def _w3(c: Context) -> Request:
    body = json.dumps({"project": c.project, "activity": c.activity, "description": "bench {uid}"})
    return Request("POST", ["/api/timesheets"], [c.bearer(u) for u in c.plain[:10]], body, "start_stop.lua")


def _w4_body(c: Context) -> str:
    day = c.until - timedelta(days=1)
    return json.dumps(
        {
            "begin": f"{day}T10:00:00",
            "end": f"{day}T11:30:00",
            "project": c.project,
            "activity": c.activity,
            "description": "bench {uid}",
            "tags": ",".join(c.tag_names),
            "hourlyRate": 95.5,
        }
    )


def _w4(c: Context) -> Request:
    return Request("POST", ["/api/timesheets"], [c.bearer(c.admin)], _w4_body(c))


def _web(path: str, user: Callable[[Context], dict[str, Any]]) -> Callable[[Context], Request]:
    return lambda c: Request("GET", [c.fill(path)], [], session_users=[user(c)])


def _api(path: str, user: Callable[[Context], dict[str, Any]]) -> Callable[[Context], Request]:
    return lambda c: Request("GET", [c.fill(path)], [c.bearer(user(c))])


def _admin(c: Context) -> dict[str, Any]:
    return c.admin


def _lead(c: Context) -> dict[str, Any]:
    return c.lead


def _export(kind: str) -> list[Callable[[Context], Request]]:
    period = "user=all&begin={quarter_start}T00:00:00&end={quarter_end}T23:59:59"
    return [_api(f"/api/export/timesheets.{kind}?{period}", _admin)]


WORKLOADS = [
    Workload("W1", "list a page of 50 of one user's timesheets", [_w1(False)], "floor",
             target="≥ 0.6 x floor throughput; p99 < 25 ms at 10 connections"),
    Workload("W1 full", "the same page with full=true", [_w1(True)], "floor",
             target="≥ 0.6 x floor throughput; p99 < 25 ms at 10 connections"),
    Workload("W1 week", "one user's entries of one week (TimeTagger's list a week)", [_w1_week], "timetagger",
             rows=lambda c: c.week_records, target="ahead of TimeTagger"),
    Workload("W2", "a teamlead's list of the team's entries for a month, page of 20", [_w2]),
    Workload("W3", "start a timer, then stop it (each request counted)", [_w3], "floor", writes=True,
             target="≥ 0.5 x floor write throughput"),
    Workload("W4", "create a finished entry with 3 tags and rates", [_w4], "floor", writes=True,
             target="≥ 0.5 x floor write throughput; ahead of TimeTagger"),
    Workload("W5", "monthly totals of all users (the report)", [
        _api("/api/horae/reports/users/month?date={month_start}", _admin),
        _web("/reports/users/month?date={month_start}", _admin),
    ], "sql", target="≤ 1.5 x raw SQL"),
    Workload("W6", "a teamlead's dashboard", [
        _web("/dashboard", _lead),
    ], "sql", target="≤ 1.5 x raw SQL; < 10 queries"),
    Workload("W7", "CSV export of one quarter, streamed", _export("csv"), "sql",
             rows=lambda c: c.quarter_rows,
             target="≥ 0.5 x raw fetch-and-write CSV rows/s; peak RSS < 150 MB"),
    Workload("W8", "XLSX export of one quarter", _export("xlsx"), rows=lambda c: c.quarter_rows,
             target="≥ 30,000 rows/s"),
    Workload("W9", "tag search by name among all tags", [
        lambda c: Request("GET", [f"/api/tags/find?name={c.tag_term}"], [c.bearer(c.plain[0])]),
    ], "floor", target="p50 < 3 ms"),
    Workload("W10 token", "GET /api/ping with a Bearer token", [
        lambda c: Request("GET", ["/api/ping"], [c.bearer(c.plain[0])]),
    ]),
    Workload("W10 password", "GET /api/ping with the API password", [
        lambda c: Request("GET", ["/api/ping"], [c.legacy(c.plain[0])]),
    ], "W10 token", target="≤ 1.2 x the Bearer token's cost"),
]  # fmt: skip


def _catalog(name: str, who: str) -> Workload:
    def request(c: Context) -> Request:
        return Request("GET", [f"/api/{name}"], [c.bearer(c.plain[0] if who == "user" else c.admin)])

    caller = "a plain user" if who == "user" else "the super-admin"
    return Workload(f"C {name} {who}", f"GET /api/{name} as {caller}", [request])


def _catalog_filtered(name: str, parameter: str) -> Workload:
    """The lists as booking clients call them: the projects of one customer, the activities of
    one project (the customer → project → activity selects)."""

    def request(c: Context) -> Request:
        value = c.customer if parameter == "customer" else c.project
        return Request("GET", [f"/api/{name}?{parameter}={value}"], [c.bearer(c.plain[0])])

    return Workload(f"C {name} of a {parameter}", f"GET /api/{name}?{parameter}=… as a plain user", [request])


CATALOG_WORKLOADS = [
    _catalog(name, who) for name in ("customers", "projects", "activities") for who in ("user", "admin")
] + [_catalog_filtered("projects", "customer"), _catalog_filtered("activities", "project")]


def _page(path: str, who: str) -> Workload:
    users = {"user": lambda c: c.plain[0], "teamlead": _lead, "admin": _admin}
    request = _web(path, users[who])
    return Workload(f"P {path}", f"the page {path} for a {who}", [request])


# The web app's pages on the benchmark dataset, each signed in as the person who uses it most.
PAGE_WORKLOADS = [
    _page(path, who)
    for path, who in (
        ("/dashboard", "teamlead"),
        ("/timer", "user"),
        ("/timesheets", "user"),
        ("/week", "user"),
        ("/calendar", "user"),
        ("/profile", "user"),
        ("/reports/user/month", "user"),
        ("/reports/users/month", "teamlead"),
        ("/reports/projects", "admin"),
        ("/customers", "admin"),
        ("/projects", "admin"),
        ("/activities", "admin"),
        ("/tags", "admin"),
        ("/users", "admin"),
        ("/teams", "admin"),
        ("/admin/settings", "admin"),
    )
]
PAGE_LIMIT_MS = 100


def evaluate_pages(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Every page well under 100 ms: its median at one connection, and its 99th percentile."""
    checks = []
    for key, entry in results["workloads"].items():
        figures = (entry.get("horae") or {}).get("1")
        for name, limit in (("p50", PAGE_LIMIT_MS / 2), ("p99", PAGE_LIMIT_MS)):
            # A page that gave no answer within its run has no percentiles.
            value = figures.get(f"{name}_ms") if figures else None
            checks.append(
                {
                    "target": f"{key}: {name} at 1 connection",
                    "value": value,
                    "limit": f"< {limit:g} ms",
                    "holds": None if value is None else value < limit,
                }
            )
    return checks


# --- processes ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# The CPUs the servers (and the baselines run in this process) and the load generator use.
SERVER_CPU, LOAD_CPU = 1, 0


def cpus() -> tuple[list[str], list[str]]:
    """(server, load generator) CPU pinning: one core each where there are two."""
    if (os.cpu_count() or 1) >= 2 and shutil.which("taskset"):
        return ["taskset", "-c", str(SERVER_CPU)], ["taskset", "-c", str(LOAD_CPU)]
    return [], []


class Server:
    def __init__(
        self, name: str, command: list[str], port: int, env: dict[str, str], ready_path: str
    ) -> None:
        self.name, self.command, self.port, self.env, self.ready_path = name, command, port, env, ready_path
        self.process: subprocess.Popen[bytes] | None = None
        self.log = CACHE / "logs" / f"{name}.log"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                cpus()[0] + self.command, env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT
            )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"{self.name} exited at start; see {self.log}")
            try:
                httpx.get(self.base + self.ready_path, timeout=2)
                return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise BenchError(f"{self.name} did not answer within 120 s; see {self.log}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def wait_idle(self, limit: float = 120.0) -> None:
        """Waits until the server stops working on requests a finished run left behind (wrk
        closes its connections at the end, but a streamed export may go on for a while)."""
        deadline = time.monotonic() + limit
        with suppress(OSError):
            before = self.cpu_seconds()
            while time.monotonic() < deadline:
                time.sleep(0.5)
                after = self.cpu_seconds()
                if after - before < 0.015:  # at most one clock tick in half a second
                    return
                before = after

    def reset_peak_memory(self) -> None:
        # Writing 5 resets the peak resident set size (VmHWM) of the process.
        with suppress(OSError):
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")

    def peak_memory_mb(self) -> float | None:
        try:
            status = Path(f"/proc/{self.pid}/status").read_text()
        except OSError:
            return None
        match = re.search(r"VmHWM:\s+(\d+) kB", status)
        return round(int(match.group(1)) / 1024, 1) if match else None


@contextmanager
def running(server: Server) -> Iterator[Server]:
    server.start()
    try:
        yield server
    finally:
        server.stop()


def ensure_wrk(say: Callable[[str], None]) -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise BenchError("wrk is missing: install Debian's package (apt-get install wrk)")
    say("installing wrk from Debian's packages")
    install = ["apt-get", "install", "-y", "-qq", "wrk"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(install, env=env, capture_output=True).returncode:
        subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True)
        done = subprocess.run(install, env=env, capture_output=True, text=True)
        if done.returncode:
            raise BenchError(f"apt-get install wrk failed: {done.stderr.strip()[-300:]}")
    found = shutil.which("wrk")
    if not found:
        raise BenchError("wrk is still missing after apt-get install")
    return found


def wrk_version(wrk: str) -> str:
    banner = subprocess.run([wrk, "-v"], capture_output=True, text=True).stdout
    match = re.search(r"wrk \S*?(\d[\w.+-]*)", banner)
    return match.group(1) if match else banner.split("\n")[0].strip()


# --- talking to the servers -----------------------------------------------------------------------


def sign_in(client: httpx.Client, username: str, password: str) -> dict[str, str] | None:
    """Signs in through the web form as a person would; the session cookie as a header, or None.

    The client's cookie jar is emptied before and after: a session left in it would turn the
    sign-in page into a redirect, and the caller sends the returned header explicitly.
    """
    client.cookies.clear()
    try:
        return _sign_in(client, username, password)
    finally:
        client.cookies.clear()


def _sign_in(client: httpx.Client, username: str, password: str) -> dict[str, str] | None:
    page = client.get("/login")
    if page.status_code in (404, 405):
        return None
    form = re.search(r"<form[^>]*method=\"post\"[^>]*>(.*?)</form>", page.text, re.S | re.I)
    if not form:
        return None
    fields: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", form.group(1)):
        name = re.search(r'name="([^"]+)"', tag)
        if not name:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        fields[name.group(1)] = value.group(1) if value else ""
        if re.search(r'type="password"', tag):
            fields[name.group(1)] = password
        elif re.search(r"login|user|email", name.group(1), re.I) and 'type="hidden"' not in tag:
            fields[name.group(1)] = username
    answer = client.post("/login", data=fields, follow_redirects=False)
    if answer.status_code >= 400:
        return None
    cookies = []
    for header in answer.headers.get_list("set-cookie"):
        pair = header.split(";", 1)[0]
        if pair.split("=", 1)[1]:
            cookies.append(pair)
    session = [c for c in cookies if "session" in c.split("=", 1)[0]]
    return {"Cookie": "; ".join(session or cookies)} if cookies else None


def resolve_auths(request: Request, client: httpx.Client, context: Context) -> list[dict[str, str]] | None:
    if not request.session_users:
        return request.auths
    auths = []
    for user in request.session_users:
        headers = sign_in(client, user["username"], context.password)
        if headers is None:
            return None
        auths.append(headers)
    return auths


def fill_body(body: str | None) -> str | None:
    if body is None:
        return None
    now = int(time.time())
    filled = body.replace("{uid}", f"probe-{time.time_ns()}").replace("{now}", str(now))
    return filled.replace("{earlier}", str(now - 5400))


@dataclass
class Probe:
    available: bool
    request: Request | None = None
    status: int | None = None
    note: str = ""
    content: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


def probe(workload: Workload, client: httpx.Client, context: Context) -> Probe:
    """The first candidate the server knows, tried once; 404/405 means "not available"."""
    last = Probe(False, note="not available")
    for candidate in workload.candidates:
        request = candidate(context)
        auths = resolve_auths(request, client, context)
        if auths is None:
            last = Probe(False, note="not available (no web sign-in)")
            continue
        request = replace(request, auths=auths)
        answer = client.request(
            request.method, request.paths[0], headers=auths[0], content=fill_body(request.body)
        )
        if answer.status_code in (404, 405):
            continue
        if answer.status_code >= 300:
            return Probe(
                False, request, answer.status_code, f"error {answer.status_code}: {answer.text[:160]}"
            )
        if request.script == "start_stop.lua":
            # Leave no timer running: stop the one the probe started.
            started = answer.json()
            client.patch(f"/api/timesheets/{started['id']}/stop", headers=auths[0])
        elapsed = answer.elapsed.total_seconds()
        return Probe(True, request, answer.status_code, "", answer.content, dict(answer.headers), elapsed)
    return last


def run_wrk(wrk: str, base: str, request: Request, connections: int, seconds: int) -> dict[str, Any]:
    env = {
        **os.environ,
        "BENCH_LUA_DIR": str(LUA),
        "BENCH_METHOD": request.method,
        "BENCH_PATHS": "\n".join(request.paths),
        "BENCH_AUTHS": "\n".join("|".join(f"{k}: {v}" for k, v in auth.items()) for auth in request.auths),
    }
    if request.body is not None:
        env["BENCH_BODY"] = request.body
    command = cpus()[1] + [wrk, "-t", str(connections), "-c", str(connections), "-d", f"{seconds}s"]
    command += ["--timeout", "60s", "-s", str(LUA / request.script), base]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=seconds + 180)
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if line is None:
        raise BenchError(f"wrk gave no figures: {done.stdout[-300:]} {done.stderr[-300:]}")
    raw = json.loads(line[len("BENCH_JSON ") :])
    duration = raw["duration_us"] / 1e6
    errors = sum(raw["errors"].values())
    if not raw["requests"]:
        return {
            "connections": connections,
            "requests": 0,
            "rps": 0.0,
            "errors": errors,
            "error_detail": raw["errors"],
        }
    return {
        "connections": connections,
        "requests": raw["requests"],
        "rps": round(raw["requests"] / duration, 1) if duration else 0.0,
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p90_ms": round(raw["p90_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "mean_ms": round(raw["mean_us"] / 1000, 2),
        "bytes_per_request": round(raw["bytes"] / raw["requests"]) if raw["requests"] else 0,
        "errors": errors,
        "error_detail": raw["errors"],
    }


def measure(
    wrk: str, server: Server, request: Request, size: Size, say: Callable[[str], None], latency: float = 0.0
) -> dict[str, Any]:
    """Throughput and latency at 1 and 10 connections after a warm-up.

    `latency` is one request's time as probed: a slow request (a big export, an unpaged list)
    gets runs long enough for several answers per connection, up to `size.max_seconds`.
    """
    if latency < 0.2:
        run_wrk(wrk, server.base, request, 10, size.warmup)
    figures: dict[str, Any] = {}
    for connections in (1, 10):
        if (
            connections > 1
            and figures["1"]["requests"]
            and figures["1"]["p50_ms"] * connections > size.max_seconds * 1000
        ):
            # Ten such requests at once could not finish within the longest run.
            note = f"not measured: one request takes {figures['1']['p50_ms'] / 1000:.0f} s"
            figures[str(connections)] = {"rps": None, "p50_ms": None, "p99_ms": None, "requests": 0}
            figures[str(connections)].update(errors=0, note=note)
            say(f"    {server.name:<10} c={connections:<2} {note}")
            continue
        seconds = max(size.duration, min(size.max_seconds, int(latency * 4 * connections) + 1))
        server.wait_idle()
        server.reset_peak_memory()
        result = run_wrk(wrk, server.base, request, connections, seconds)
        result["seconds"] = seconds
        result["peak_rss_mb"] = server.peak_memory_mb()
        figures[str(connections)] = result
        errors = f", {result['errors']} errors" if result["errors"] else ""
        if result["requests"]:
            say(
                f"    {server.name:<10} c={connections:<2} {result['rps']:>9.1f} req/s  "
                f"p50 {result['p50_ms']:>8.2f} ms  p99 {result['p99_ms']:>8.2f} ms{errors}"
            )
        else:
            say(f"    {server.name:<10} c={connections:<2} no answer within {seconds} s{errors}")
    server.wait_idle()
    return figures


# Horae and its floor alternate in this many slices per connection count (see `measure_against`).
SLICES = 5
_LATENCIES = ("p50_ms", "p90_ms", "p99_ms", "mean_ms")


def _combined(slices: list[dict[str, Any]]) -> dict[str, Any]:
    """One figure set of several slices: throughput over their total time, latencies as the
    median of the slices' own, errors summed, the highest peak RSS."""
    answered = [s for s in slices if s["requests"]]
    requests, seconds = sum(s["requests"] for s in slices), sum(s["seconds"] for s in slices)
    combined: dict[str, Any] = {
        "connections": slices[0]["connections"],
        "requests": requests,
        "rps": round(requests / seconds, 1) if seconds else 0.0,
        "errors": sum(s["errors"] for s in slices),
        "error_detail": {
            kind: sum(s["error_detail"].get(kind, 0) for s in slices) for kind in slices[0]["error_detail"]
        },
        "seconds": seconds,
        "slices": len(slices),
        "peak_rss_mb": max((s["peak_rss_mb"] for s in slices if s.get("peak_rss_mb")), default=None),
    }
    for key in _LATENCIES:
        if answered:
            combined[key] = statistics.median(s[key] for s in answered)
    if answered:
        combined["bytes_per_request"] = answered[0]["bytes_per_request"]
    return combined


def _in_turn(index: int, pair: tuple[Any, Any]) -> tuple[Any, Any]:
    """The pair in the order of slice `index`: A B, B A, A B … (a steady drift then weighs on
    both alike)."""
    return pair if index % 2 == 0 else (pair[1], pair[0])


def _pairs_text(slices: list[dict[str, float | None]], unit: str) -> str:
    """Paired slices as the log shows them: Horae's figure / the baseline's (the unit) = ratio."""
    shown = ", ".join(f"{s['horae']:g}/{s['sql']:g}={s['ratio']}" for s in slices if None not in s.values())
    return f"pairs ({unit}) [{shown}]"


def _median_ratio(pairs: list[float | None]) -> float | None:
    known = [r for r in pairs if r is not None]
    return round(statistics.median(known), 2) if known else None


def measure_against(
    wrk: str, horae: Server, baseline: Server, request: Request, size: Size, say: Callable[[str], None]
) -> tuple[dict[str, Any], dict[str, Any], dict[str, float | None]]:
    """Horae and its baseline at 1 and 10 connections, in alternating slices (`measure_pairs`)."""
    return measure_pairs(wrk, (horae.name, horae, request), (baseline.name, baseline, request), size, say)


# A side of a paired measurement: its name, the server it runs on and the request it sends.
Contender = tuple[str, Server, Request]


def measure_pairs(
    wrk: str, first: Contender, second: Contender, size: Size, say: Callable[[str], None]
) -> tuple[dict[str, Any], dict[str, Any], dict[str, float | None]]:
    """Two contenders (two servers, or two requests to one server) at 1 and 10 connections, in
    alternating slices; the ratio is the first's throughput over the second's.

    A shared machine's speed drifts by tens of percent within minutes, so running one contender
    for its whole time and then the other compares two machine states. Here each connection
    count is split into SLICES pairs of runs (`_in_turn`), and the ratio is the median of the
    pairs' own throughput ratios. The figures of each contender are its slices combined
    (`_combined`).
    """
    contenders = (first, second)
    for _name, server, request in contenders:
        run_wrk(wrk, server.base, request, 10, size.warmup)
    slice_seconds = max(2, round(size.duration / SLICES))
    figures: dict[str, dict[str, Any]] = {first[0]: {}, second[0]: {}}
    ratios: dict[str, float | None] = {}
    for connections in (1, 10):
        runs: dict[str, list[dict[str, Any]]] = {first[0]: [], second[0]: []}
        pairs: list[float | None] = []
        for index in range(SLICES):
            pair = {}
            for name, server, request in _in_turn(index, contenders):
                server.wait_idle()
                server.reset_peak_memory()
                result = run_wrk(wrk, server.base, request, connections, slice_seconds)
                result["seconds"] = slice_seconds
                result["peak_rss_mb"] = server.peak_memory_mb()
                runs[name].append(result)
                pair[name] = result["rps"]
            pairs.append(ratio(pair[first[0]], pair[second[0]]))
        ratios[str(connections)] = _median_ratio(pairs)
        for name, _server, _request in contenders:
            result = figures[name][str(connections)] = _combined(runs[name])
            errors = f", {result['errors']} errors" if result["errors"] else ""
            say(
                f"    {name:<10} c={connections:<2} {result['rps']:>9.1f} req/s  "
                f"p50 {result.get('p50_ms', 0):>8.2f} ms  p99 {result.get('p99_ms', 0):>8.2f} ms{errors}"
            )
        say(f"    {'':<10} c={connections:<2} pairs {pairs} -> median {ratios[str(connections)]}")
    return figures[first[0]], figures[second[0]], ratios


# --- the same SQL, run directly -----------------------------------------------------------------


class StatementLog:
    def __init__(self, engine: Any) -> None:
        self.active = False
        self.statements: list[tuple[str, Any, bool]] = []

        @event.listens_for(engine, "before_cursor_execute")
        def _record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
            if self.active:
                self.statements.append((statement, parameters, executemany))

    @contextmanager
    def recording(self) -> Iterator[list[tuple[str, Any, bool]]]:
        self.statements = []
        self.active = True
        try:
            yield self.statements
        finally:
            self.active = False


def _queries(statements: list[tuple[str, Any, bool]]) -> int:
    """SQL statements sent, transaction control left out."""
    control = ("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT", "PRAGMA")
    return sum(1 for statement, _p, _m in statements if not statement.lstrip().upper().startswith(control))


class InProcess:
    """Horae as an in-process app on the run's database, its statements recorded: how many
    one request of a workload runs, and for W5-W7 the time of the same SELECTs run directly on
    the driver. It is kept open for the whole run, so that each workload is measured right
    after its HTTP runs, on the data they saw."""

    def __init__(self, url: str, context: Context) -> None:
        self.url, self.context = url, context

    def __enter__(self) -> InProcess:
        with warnings.catch_warnings():
            # Starlette's test client warns about its httpx dependency; nothing to act on here.
            warnings.simplefilter("ignore")
            from fastapi.testclient import TestClient

        from horae.app import create_app
        from horae.db import Database
        from horae.settings import Settings

        self.db = Database(self.url)
        self.log = StatementLog(self.db.engine)
        app = create_app(Settings(database_url=self.url, environment="local"), db=self.db)
        self.client = TestClient(app)
        self.client.__enter__()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.client.__exit__(None, None, None)
        self.db.dispose()

    def measure(self, key: str, request: Request) -> tuple[dict[str, Any], list[tuple[str, Any, bool]]]:
        """The workload's statement count (and for W5-W7 the time of its SELECTs run directly),
        and its SELECTs."""
        client, log = self.client, self.log
        headers = request.auths[0]
        if request.session_users:
            signed_in = sign_in(client, request.session_users[0]["username"], self.context.password)
            headers = signed_in or headers
        # The statements of a request as the runs send it, to a server that has seen one of its
        # kind before: the caller, the permissions and the kept values are not read again.
        for _ in range(2):  # the first one only warms the server
            with log.recording() as statements:
                answer = client.request(
                    request.method, request.paths[0], headers=headers, content=fill_body(request.body)
                )
            found: dict[str, Any] = {"queries": _queries(statements)}
            if request.script == "start_stop.lua" and answer.status_code == 200:
                with log.recording() as stop_statements:
                    client.patch(f"/api/timesheets/{answer.json()['id']}/stop", headers=headers)
                found["stop_queries"] = _queries(stop_statements)
        selects = [s for s in statements if s[0].lstrip().upper().startswith(("SELECT", "WITH"))]
        if key in ("W5", "W6", "W7"):
            found.update(replay(self.db.engine, selects, write_csv=key == "W7"))
        return found, selects


def against_raw_sql(
    wrk: str,
    server: Server,
    request: Request,
    engine: Any,
    selects: list[tuple[str, Any, bool]],
    csv_rows: int | None = None,
    seconds: int = 5,
) -> tuple[float | None, list[dict[str, float | None]]]:
    """Horae's median latency at one connection over the time of its SELECTs run directly,
    measured in SLICES alternating pairs (as `measure_against` does with the floor): the
    median of the pairs' ratios, and the pairs themselves (Horae's figure, the SQL's and their
    ratio), which tell a miss of Horae's own from a slice in which the replay ran fast.

    With `csv_rows` (an export of that many rows), the ratio is one of rates instead: the rows
    per second of Horae's export (rows over its median time) over those of the SELECTs fetched
    and written by Python's csv module."""
    pairs: list[float | None] = []
    slices: list[dict[str, float | None]] = []
    for index in range(SLICES):
        timed: dict[str, float | None] = {}
        for step in _in_turn(index, ("horae", "sql")):
            if step == "sql":
                replayed = replay(engine, selects, write_csv=csv_rows is not None)
                timed[step] = replayed["raw_sql_ms" if csv_rows is None else "raw_csv_rows_per_s"]
            else:
                server.wait_idle()
                figures = run_wrk(wrk, server.base, request, 1, seconds)
                timed[step] = (
                    figures.get("p50_ms") if csv_rows is None else _rows_per_second(csv_rows, figures)
                )
        pairs.append(ratio(timed["horae"], timed["sql"]))
        slices.append({"horae": timed["horae"], "sql": timed["sql"], "ratio": pairs[-1]})
    return _median_ratio(pairs), slices


@contextmanager
def on_server_cpu() -> Iterator[None]:
    """Runs the calling thread on the CPU the servers are pinned to, so that a baseline run in
    this process sees the same core as the server it is set against (the two CPUs of a shared
    host differ by a few per cent, and not always the same way)."""
    if not cpus()[0]:
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {SERVER_CPU})
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def replay(engine: Any, statements: list[tuple[str, Any, bool]], write_csv: bool) -> dict[str, Any]:
    """Runs the captured SELECTs on the driver until 2 s have passed, on the server's CPU; for
    CSV, writes the rows."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        with on_server_cpu():
            rows, seconds = _replay_runs(cursor, statements, write_csv)
    finally:
        raw.close()
    result: dict[str, Any] = {"raw_sql_ms": round(seconds * 1000, 2), "raw_statements": len(statements)}
    if write_csv:
        result["raw_csv_rows_per_s"] = round(rows / seconds) if seconds else None
    return result


def _replay_runs(cursor: Any, statements: list[tuple[str, Any, bool]], write_csv: bool) -> tuple[int, float]:
    """The rows of the largest statement, and the seconds a run of all of them takes."""
    runs, rows, started = 0, 0, time.perf_counter()
    while runs < 3 or time.perf_counter() - started < 2:
        rows = 0
        sink = io.StringIO()
        writer = csv.writer(sink)
        for statement, parameters, _many in statements:
            cursor.execute(statement, parameters)
            fetched = cursor.fetchall()
            rows = max(rows, len(fetched))
            if write_csv:
                writer.writerows(fetched)
        runs += 1
    return rows, (time.perf_counter() - started) / runs


# --- TimeTagger ------------------------------------------------------------------------------------


def ensure_bench_venv(say: Callable[[str], None]) -> Path:
    """A venv under bench/.cache with TimeTagger and matplotlib, apart from the project's lock."""
    venv = CACHE / "venv"
    python = venv / "bin" / "python"
    marker = venv / ".bench-installed"
    if marker.exists():
        return python
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    say("installing TimeTagger and matplotlib into bench/.cache/venv")
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "timetagger", "matplotlib"],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise BenchError(f"pip install timetagger matplotlib failed: {done.stderr.strip()[-300:]}")
    marker.write_text("timetagger matplotlib\n")
    return python


def timetagger_baseline(
    wrk: str,
    dataset: Dataset,
    context: Context,
    size: Size,
    say: Callable[[str], None],
    horae: Server | None = None,
    horae_requests: Mapping[str, Request] | None = None,
) -> dict[str, Any]:
    """TimeTagger's "list a week" and "create a record". With Horae's server and its requests for
    the same work ("W1 week", "W4"), each is measured in alternating slices against Horae's
    (`measure_pairs`), as the floor is: the host's speed drifts between two workloads' runs by
    more than the difference measured. `paired_ratios` is then Horae's throughput over
    TimeTagger's, pair by pair."""
    python = ensure_bench_venv(say)
    datadir = CACHE / "timetagger" / dataset.path.parent.name
    port = free_port()
    server = Server(
        "timetagger",
        [
            str(python),
            "-m",
            "timetagger",
            f"--bind=127.0.0.1:{port}",
            f"--datadir={datadir}",
            "--log_level=warning",
        ],
        port,
        dict(os.environ),
        "/timetagger/status",
    )
    results: dict[str, Any] = {}
    with running(server):
        bootstrap = base64.b64encode(json.dumps({"method": "localhost"}).encode())
        answer = httpx.post(f"{server.base}/timetagger/api/v2/bootstrap_authentication", content=bootstrap)
        answer.raise_for_status()
        auth = {"authtoken": answer.json()["token"]}
        seeded = datadir / ".seeded"
        if not seeded.exists():
            # From the dataset as built: the run's copy already holds the write workloads' rows.
            count = seed_timetagger(server.base, auth, dataset.url, context.plain[0]["id"])
            seeded.write_text(f"{count}\n")
            say(f"    seeded TimeTagger with the {count} records of the same user")
        zone_offset = 0  # TimeTagger stores Unix times; the week is taken in UTC.
        week_start = (
            datetime.combine(context.week[0], datetime.min.time(), tzinfo=UTC).timestamp() + zone_offset
        )
        week_end = week_start + 7 * 86400 - 1
        listing = Request(
            "GET", [f"/timetagger/api/v2/records?timerange={int(week_start)}-{int(week_end)}"], [auth]
        )
        listed = httpx.get(server.base + listing.paths[0], headers=auth).json()
        say(f"  TimeTagger: list a week ({len(listed['records'])} records)")
        results["list_week"] = _against_horae(
            wrk, server, listing, horae, horae_requests, "W1 week", size, say
        )
        results["list_week"]["records"] = len(listed["records"])
        body = (
            '[{"key":"{uid}","mt":{now},"t1":{earlier},"t2":{now},"ds":"bench #'
            + " #".join(context.tag_names)
            + '"}]'
        )
        create = Request("PUT", ["/timetagger/api/v2/records"], [auth], body)
        say("  TimeTagger: create a record")
        results["create"] = _against_horae(wrk, server, create, horae, horae_requests, "W4", size, say)
    return results


def _against_horae(
    wrk: str,
    server: Server,
    request: Request,
    horae: Server | None,
    horae_requests: Mapping[str, Request] | None,
    key: str,
    size: Size,
    say: Callable[[str], None],
) -> dict[str, Any]:
    """TimeTagger's figures for one request; paired with Horae's request `key` when it is given."""
    horae_request = (horae_requests or {}).get(key)
    if horae is None or horae_request is None:
        return measure(wrk, server, request, size, say)
    horae_figures, figures, ratios = measure_pairs(
        wrk, ("horae", horae, horae_request), ("timetagger", server, request), size, say
    )
    figures["paired_with"] = key
    figures["paired_ratios"] = ratios
    figures["horae"] = horae_figures
    return figures


def seed_timetagger(base: str, auth: dict[str, str], url: str, user_id: int) -> int:
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT t.id, t.begin, t.end, t.description, "
                "(SELECT group_concat(g.name, ' #') FROM timesheet_tags l JOIN tags g ON g.id = l.tag_id "
                "WHERE l.timesheet_id = t.id) FROM timesheets t WHERE t.user_id = :u ORDER BY t.begin"
            ),
            {"u": user_id},
        ).all()
    engine.dispose()
    records = []
    for sheet_id, begin, end, description, tags in rows:
        t1 = int(datetime.fromisoformat(str(begin)).replace(tzinfo=UTC).timestamp())
        t2 = int(datetime.fromisoformat(str(end)).replace(tzinfo=UTC).timestamp()) if end else t1
        ds = " ".join(x for x in (description or "", f"#{tags}" if tags else "") if x)
        records.append({"key": f"h{sheet_id}", "mt": t1, "t1": t1, "t2": t2, "ds": ds[:250]})
    with httpx.Client(base_url=base, headers=auth, timeout=120) as client:
        for start in range(0, len(records), 1000):
            client.put("/timetagger/api/v2/records", json=records[start : start + 1000]).raise_for_status()
    return len(records)


# --- the report ---------------------------------------------------------------------------------------


def ratio(a: float | None, b: float | None) -> float | None:
    if not a or not b:
        return None
    return round(a / b, 2)


def _rows_per_second(rows: int | None, figures: dict[str, Any] | None) -> int | None:
    """An export's rate at one connection, from its median time (wrk rounds the throughput of
    requests that take seconds to one decimal)."""
    if not rows or not figures or not figures.get("p50_ms"):
        return None
    return round(rows / (figures["p50_ms"] / 1000))


def versus_floor(entry: dict[str, Any], connections: str = "10") -> float | None:
    """Horae's throughput as a share of the floor's: the median of the alternating pairs
    (`measure_against`), or for results written before them, the two runs' ratio."""
    paired = entry.get("paired_ratios")
    if paired:
        return paired.get(connections)
    horae, floor = (entry.get("horae") or {}).get(connections), (entry.get("floor") or {}).get(connections)
    return ratio(horae and horae.get("rps"), floor and floor.get("rps"))


def versus_raw_sql(entry: dict[str, Any]) -> float | None:
    """Horae's median latency at one connection over its SQL's: the median of the alternating
    pairs (`against_raw_sql`), or for results written before them, the two measurements'."""
    paired = entry.get("paired_ratios")
    if paired:
        return paired.get("1")
    horae, sql = (entry.get("horae") or {}).get("1"), entry.get("queries", {})
    return ratio(horae and horae.get("p50_ms"), sql.get("raw_sql_ms"))


def versus_raw_csv(entry: dict[str, Any]) -> float | None:
    """An export's rows per second at one connection over those of its SQL fetched and written as
    CSV: the median of the alternating pairs, or for results written before them, the two
    measurements'."""
    if entry.get("paired_csv_ratio"):
        return entry["paired_csv_ratio"]
    rate = _rows_per_second(entry.get("rows"), (entry.get("horae") or {}).get("1"))
    return ratio(rate, entry.get("queries", {}).get("raw_csv_rows_per_s"))


def _w10_cost(w: dict[str, Any]) -> float | None:
    """The token's throughput over the API password's at 10 connections: the median of the
    alternating pairs, or for results written before them, the two runs' ratio."""
    paired = w.get("W10 password", {}).get("paired_ratios")
    if paired:
        return paired.get("10")
    token, password = ((w.get(key, {}).get("horae") or {}).get("10") for key in ("W10 token", "W10 password"))
    return ratio(token and token["rps"], password and password["rps"])


def evaluate(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target of the issue with the measured value and whether it holds."""
    w = results["workloads"]
    checks: list[dict[str, Any]] = []

    def fig(key: str, target: str = "horae", connections: str = "10") -> dict[str, Any] | None:
        entry = w.get(key, {})
        return (entry.get(target) or {}).get(connections)

    def add(name: str, value: float | None, limit: float, op: str, unit: str = "") -> None:
        holds = (
            None
            if value is None
            else (value >= limit if op == "≥" else value < limit if op == "<" else value <= limit)
        )
        checks.append({"target": name, "value": value, "limit": f"{op} {limit:g}{unit}", "holds": holds})

    for key in ("W1", "W1 full"):
        add(f"{key}: throughput vs floor (10 conn.)", versus_floor(w.get(key, {})), 0.6, "≥")
        horae = fig(key)
        add(f"{key}: p99 at 10 connections", horae and horae["p99_ms"], 25, "<", " ms")
    for key in ("W3", "W4"):
        add(f"{key}: write throughput vs floor (10 conn.)", versus_floor(w.get(key, {})), 0.5, "≥")
    for key in ("W5", "W6"):
        add(f"{key}: p50 vs raw SQL", versus_raw_sql(w.get(key, {})), 1.5, "≤", "x")
    queries = w.get("W6", {}).get("queries", {}).get("queries")
    add("W6: queries per request", queries, 10, "<")
    horae7 = fig("W7", connections="1")
    add("W7: rows/s vs raw fetch-and-write CSV", versus_raw_csv(w.get("W7", {})), 0.5, "≥")
    add("W7: peak RSS of the server", horae7 and horae7.get("peak_rss_mb"), 150, "<", " MB")
    horae8 = fig("W8", connections="1")
    rows8 = w.get("W8", {}).get("rows")
    add("W8: rows/s", _rows_per_second(rows8, horae8), 30_000, "≥")
    horae9 = fig("W9", connections="1")
    add("W9: p50", horae9 and horae9["p50_ms"], 3, "<", " ms")
    add("W10: API password cost vs Bearer (throughput, 10 conn.)", _w10_cost(w), 1.2, "≤", "x")
    tt = results.get("timetagger", {})
    for key, tt_key, label in (("W1 week", "list_week", "list a week"), ("W4", "create", "create a record")):
        measured = (tt.get(tt_key) or {}) if isinstance(tt, dict) else {}
        paired = (measured.get("paired_ratios") or {}).get("10")
        if paired is None:
            horae = fig(key)
            other = measured.get("10")
            paired = ratio(horae and horae["rps"], other and other["rps"])
        add(f"{label}: Horae vs TimeTagger throughput (10 conn.)", paired, 1, "≥", "x")
    return checks


def _cell(value: Any, unit: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.2f}{unit}" if value < 100 else f"{value:,.0f}{unit}"
    return f"{value:,}{unit}" if isinstance(value, int) else f"{value}{unit}"


HEADER = (
    "workload", "server", "req/s (1)", "p50 ms (1)", "p99 ms (1)", "req/s (10)", "p50 ms (10)",
    "p99 ms (10)", "peak RSS MB", "queries", "vs baseline (10)",
)  # fmt: skip


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _figure_cells(figures: dict[str, Any]) -> list[str]:
    one, ten = figures.get("1", {}), figures.get("10", {})
    peak = max((f.get("peak_rss_mb") or 0 for f in (one, ten)), default=0) or None
    keys = ("rps", "p50_ms", "p99_ms")
    return [_cell(one.get(k)) for k in keys] + [_cell(ten.get(k)) for k in keys] + [_cell(peak)]


def table(results: dict[str, Any]) -> str:
    lines = [_row(list(HEADER)), _row(["---", "---"] + ["---:"] * (len(HEADER) - 2))]
    blank = [""] * (len(HEADER) - 2)
    for key, entry in results["workloads"].items():
        title = f"{key}: {entry['title']}"
        if not entry.get("available"):
            lines.append(_row([title, entry.get("note") or "not available", *blank]))
            continue
        queries = entry.get("queries", {})
        for server in ("horae", "floor"):
            figures = entry.get(server)
            if not figures:
                continue
            versus = ""
            if server == "horae" and entry.get("floor"):
                versus = _cell(versus_floor(entry), "x")
            elif server == "horae" and queries.get("raw_csv_rows_per_s"):
                versus = f"rows/s {_cell(versus_raw_csv(entry), 'x')} raw CSV"
            elif server == "horae" and queries.get("raw_sql_ms"):
                versus = f"p50 {_cell(versus_raw_sql(entry), 'x')} raw SQL"
            elif server == "horae" and entry.get("paired_with"):
                cost = (entry.get("paired_ratios") or {}).get("10")
                versus = f"{_cell(cost, 'x')} {entry['paired_with']}'s cost"
            errors = sum(f.get("errors", 0) for f in figures.values())
            name = f"{server} ({errors} errors)" if errors else server
            count = _cell(queries.get("queries")) if server == "horae" else ""
            lines.append(
                _row([title if server == "horae" else "", name, *_figure_cells(figures), count, versus])
            )
    tt = results.get("timetagger")
    if isinstance(tt, dict) and "list_week" in tt:
        for key, title in (
            ("list_week", "TimeTagger: list a week"),
            ("create", "TimeTagger: create a record"),
        ):
            lines.append(_row([title, "timetagger", *_figure_cells(tt[key]), "", ""]))
    elif tt:
        lines.append(_row(["TimeTagger", tt.get("note", "not measured"), *blank]))
    return "\n".join(lines)


def checks_table(checks: list[dict[str, Any]]) -> str:
    lines = ["| target | measured | limit | holds |", "|---|---:|---:|:---:|"]
    for check in checks:
        holds = {True: "yes", False: "**no**", None: "-"}[check["holds"]]
        lines.append(f"| {check['target']} | {_cell(check['value'])} | {check['limit']} | {holds} |")
    return "\n".join(lines)


METHOD = """\
How the figures are made, so that they can be reproduced and read as ratios rather than machine luck.

* `make bench` (or `make bench BENCH_SIZE=small` for a quick run) calls `bench/run.py`. The
  dataset is written once by `horae demo` through the application's schema and cached under
  `bench/.cache/datasets/`, keyed by the generator version and its parameters; each run works on
  a fresh copy of it. The demo accounts share the login password `demo-password` and the API
  password `demo-api-password`; every account's Bearer token is in the dataset's
  `credentials.json`.
* Horae runs as a user runs it: `horae serve` (uvicorn, one worker, access log on, SQLite).
  The floor app (`bench/floor.py`: a bare ASGI app with the same SQL and the same JSON, written
  with orjson) and TimeTagger are served by the same server software. Every server is pinned to
  one CPU and the load generator, wrk with the Lua scripts in `bench/lua/`, to the other.
* Every workload runs for a warm-up, then at 1 and at 10 connections (one wrk thread per
  connection); the figures are requests per second and the 50th/99th latency percentiles as wrk
  measures them. Requests answered with an error status are counted as errors.
* Horae and its floor take turns: each connection count is run as five pairs of 3-second
  slices, in the order Horae-floor, floor-Horae, Horae-floor …, and the ratio to the floor is
  the median of the five pairs' own ratios. A shared host's speed drifts by tens of percent
  within minutes; slices side by side see the same machine. A server's figures are its slices
  taken together: the throughput over their total time, the latencies as the median of theirs.
  W5 and W6 are set against their SQL the same way, right after their own runs: five pairs of
  a 5-second run at one connection and the SELECTs replayed for 2 s on the server's CPU, the
  ratio being the median of the pairs' median latency over the replay's mean time. W7's export
  takes turns with its SELECTs fetched and written by Python's csv module in the same way (a run
  long enough for two exports, then the replay), the ratio being the median of the pairs' rows
  per second. W10's API password takes turns with the Bearer token in the same way, both sent
  to Horae.
* Baselines in the same run: the floor for W1, W3, W4 and W9; for W5-W7 the very SELECT
  statements Horae ran for the request (captured in an in-process app, which also counts the
  queries per request, on a request that follows one of its kind, as every request of a run
  does) run directly on the database driver, for W7 with the rows written by
  Python's csv module; TimeTagger, installed from PyPI into `bench/.cache/venv` and fed with the
  same user's records, for "list a week" and "create a record", each taking turns with Horae's
  own request for the same work (W1 week, W4) in slices, as the floor does.
* A workload whose endpoint answers 404 or 405 is reported as not available and skipped. The
  exports run last: a server still writing abandoned exports would slow every later figure; a
  request too slow for ten of them to finish within a run is measured at one connection only.
  Horae is restarted before the exports, so that their peak RSS is the export's own and not
  what earlier workloads left the process at.
* Other variants are reported beside this one, never over it: `--database postgresql` (the
  local server, a template copy of the dataset per run), `--workers N`, `--mode catalog`
  (the catalog lists at 5,000/50,000/100,000), `--mode pages` (the web app's pages) and
  `--list-cache-mb 0` (catalog lists built afresh on every request). A variant run with
  `--only` names its workloads in its file.
* A change is judged by `bench/ab.py --base <revision> --path <GET request>`: the revision and
  the working tree served side by side on one copy of the dataset, pinned to the same CPU, wrk
  sending the same request to each in alternating 2-second runs; the figure is each server's
  CPU time per request, which a drifting host disturbs least. `--workload W3` or `W4` sends a
  write workload instead, each server writing into a copy of its own; `--auth password` and
  `--auth web` authenticate by API password or signed-in session.
* A change too small for a drifting host is counted by `bench/instructions.py --base <revision>
  --path <GET request>`: the instructions of one request under valgrind's callgrind, the
  application called in process (section What a page keeps of its person's records, 2026-11-30).
  A count weighs every instruction alike: the interpreter's run at a fraction of the speed of
  SQLite's, so a change's share of the count is not its share of the time.
"""


def cpu_reference_ms() -> float:
    """The best of five runs of a fixed pure-Python loop on the server's CPU: machines of the
    same kind differ by a factor of two, so absolute figures compare only between runs whose
    reference is alike (ratios to the baselines of the same run compare anywhere)."""
    code = "import time\nbest = 1e9\nfor _ in range(5):\n    t = time.perf_counter(); s = 0\n"
    code += "    for i in range(2_000_000): s += i\n    best = min(best, time.perf_counter() - t)\n"
    code += "print(best * 1000)"
    command = [*cpus()[0], sys.executable, "-c", code]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return round(float(done.stdout), 1)


def busy(results: dict[str, Any]) -> bool:
    machine = results["machine"]
    return max(machine["load_average_before"], machine.get("load_average_after", 0)) > 1.5


KEPT_SECTION = "\n## Catalog lists"


def write_report(
    results: dict[str, Any],
    checks: list[dict[str, Any]],
    markdown: Path,
    images: Path,
    say: Callable[[str], None],
) -> None:
    plots: list[str] = []
    try:
        python = ensure_bench_venv(say)
        images.mkdir(parents=True, exist_ok=True)
        data = CACHE / "plot-input.json"
        data.write_text(json.dumps(results))
        done = subprocess.run(
            [str(python), str(BENCH / "plots.py"), str(data), str(images)], capture_output=True, text=True
        )
        if done.returncode:
            say(f"plots failed: {done.stderr.strip()[-300:]}")
        else:
            plots = [line.strip() for line in done.stdout.splitlines() if line.strip().endswith(".png")]
    except BenchError as exc:
        say(f"no plots: {exc}")
    build = results["dataset"]["build"]
    spec = results["dataset"]["spec"]
    relative = os.path.relpath(images, markdown.parent)
    parts = [
        "# Benchmarks",
        "",
        METHOD,
        f"## Latest run: {results['date']} ({results['size']})",
        "",
        f"Machine: {results['machine']['cpus']} CPUs, Python {results['machine']['python']}, "
        f"wrk {results['machine']['wrk']}, load average {results['machine']['load_average_before']} before "
        f"and {results['machine']['load_average_after']} after the run"
        f"{' (a busy machine: read the ratios, not the absolute figures)' if busy(results) else ''}; "
        f"CPU reference {_cell(results['machine'].get('cpu_reference_ms'))} ms "
        "(a fixed pure-Python loop: compare it before comparing absolute figures between runs). "
        f"Dataset: {spec['timesheets']:,} timesheets, "
        f"{spec['users']} users in "
        f"{spec['teams']} teams, {spec['customers']} customers, {spec['projects']} projects, "
        f"{spec['activities']:,} activities, {spec['tags'] + spec['spare_tags']:,} tags "
        f"({spec['tags']:,} in use), {spec['days']} days up to {spec['until']}. Generated by "
        f"`{build['command']}` in {build['seconds']} s "
        f"({_cell(build.get('timesheets_per_second'))} timesheets/s).",
        "",
        "### Targets",
        "",
        checks_table(checks),
        "",
        "### All figures",
        "",
        "(1) and (10): connections. `vs baseline`: Horae's throughput as a share of the floor's, or "
        "Horae's median latency as a multiple of the same SQL run directly.",
        "",
        table(results),
        "",
    ]
    for plot in plots:
        parts += [f"![{Path(plot).stem}]({relative}/{Path(plot).name})", ""]
    markdown.parent.mkdir(parents=True, exist_ok=True)
    # Hand-written sections after the generated report (from "## Catalog lists" on) are kept.
    kept = markdown.read_text().partition(KEPT_SECTION)[1:] if markdown.exists() else ("", "")
    markdown.write_text("\n".join(parts) + "".join(kept))


# --- the run ------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Horae's load benchmarks")
    parser.add_argument("--size", choices=("full", "small"), default="full")
    parser.add_argument("--mode", choices=("load", "catalog", "pages"), default="load")
    parser.add_argument("--only", help="comma-separated workload keys (W1,W9 …)")
    parser.add_argument("--until", help="last day + 1 of the dataset (default: today)")
    parser.add_argument("--skip-timetagger", action="store_true")
    parser.add_argument(
        "--database",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="where Horae and the baselines run (PostgreSQL: the local server, or BENCH_POSTGRES_URL)",
    )
    parser.add_argument("--workers", type=int, default=1, help="horae serve --workers N")
    parser.add_argument(
        "--list-cache-mb",
        type=int,
        help="HORAE_LIST_CACHE_MB for Horae (0: every catalog list is built afresh; default: Horae's)",
    )
    parser.add_argument(
        "--floor-as-horae",
        action="store_true",
        help="check the harness itself: serve the floor app where Horae would be (endpoints not built yet)",
    )
    args = parser.parse_args(argv)

    def say(message: str) -> None:
        print(message, flush=True)

    until = date.fromisoformat(args.until) if args.until else _today()
    size = (catalog_sizes if args.mode == "catalog" else sizes)(until)[args.size]
    if args.mode == "pages":
        # Sixteen pages of a few milliseconds each: shorter runs say as much.
        size = replace(size, duration=min(size.duration, 5), warmup=1)
    # The pages run on the load benchmark's dataset.
    label = f"{'load' if args.mode == 'pages' else args.mode}-{args.size}" + (
        "" if args.database == "sqlite" else f"-{args.database}"
    )
    try:
        wrk = ensure_wrk(say)
        dataset = ensure_dataset(label, size.spec, say, args.database)
        url = working_copy(dataset)
        context = discover(url, dataset.credentials, until)
        say(
            f"dataset {dataset.path.parent.name}: "
            f"W9 searches {context.tag_term!r} ({context.tag_matches} tags), "
            f"W7 exports {context.quarter[0]}..{context.quarter[1]} ({context.quarter_rows:,} rows)"
        )
        results = run(args, size, wrk, dataset, url, context, say)
    except BenchError as exc:
        print(f"bench: error: {exc}", file=sys.stderr)
        return 1
    checks = (
        evaluate(results) if args.mode == "load" else evaluate_pages(results) if args.mode == "pages" else []
    )
    results["checks"] = checks
    if busy(results):
        say(
            f"warning: the machine was busy (load average {results['machine']['load_average_before']}); "
            "the figures are noisy"
        )
    stamp = results["date"]
    variant = (
        ("" if args.database == "sqlite" else f"-{args.database}")
        + ("" if args.workers == 1 else f"-{args.workers}-workers")
        + ("" if args.list_cache_mb is None else f"-list-cache-{args.list_cache_mb}")
    )
    if variant:
        # Other backends and worker counts are reported beside the main run, never over it; a
        # partial one names its workloads, so that it never replaces a complete one either.
        if args.only:
            variant += "-" + "-".join(key.strip().replace(" ", "_") for key in args.only.split(","))
        out_json = BENCH / "results" / f"{stamp}-{args.mode}-{args.size}{variant}.json"
        markdown = CACHE / "results" / f"{stamp}-{label}{variant}.md"
        images = CACHE / "results" / f"{stamp}-{label}{variant}"
    elif args.size == "full" and not args.only:
        # Only a complete run replaces the committed report; a partial one goes to the cache.
        suffix = "" if args.mode == "load" else f"-{args.mode}"
        out_json = BENCH / "results" / f"{stamp}{suffix}.json"
        markdown = ROOT / "docs" / f"benchmarks{suffix}.md"
        images = ROOT / "docs" / f"benchmarks{suffix}"
    else:
        out_json = CACHE / "results" / f"{stamp}-{label}.json"
        markdown = CACHE / "results" / f"{stamp}-{label}.md"
        images = CACHE / "results" / f"{stamp}-{label}"
    out_json.parent.mkdir(parents=True, exist_ok=True)
    out_json.write_text(json.dumps(results, indent=1, default=str) + "\n")
    write_report(results, checks, markdown, images, say)
    say("")
    say(table(results))
    if checks:
        say("")
        say(checks_table(checks))
    say(f"\nresults: {out_json.relative_to(ROOT)}; report: {markdown.relative_to(ROOT)}")
    return 0


def run(
    args: argparse.Namespace,
    size: Size,
    wrk: str,
    dataset: Dataset,
    url: str,
    context: Context,
    say: Callable[[str], None],
) -> dict[str, Any]:
    only = {key.strip() for key in args.only.split(",")} if args.only else None
    workloads = [
        w for w in {"catalog": CATALOG_WORKLOADS, "pages": PAGE_WORKLOADS}.get(args.mode, WORKLOADS)
        if only is None or w.key in only or w.key.split()[0] in only
    ]  # fmt: skip
    env = {**os.environ, "HORAE_DATABASE_URL": url, "HORAE_ENVIRONMENT": "local"}
    if args.list_cache_mb is not None:
        env["HORAE_LIST_CACHE_MB"] = str(args.list_cache_mb)
    horae_port, floor_port = free_port(), free_port()
    horae_command = [str(HORAE), "serve", "--host", "127.0.0.1", "--port", str(horae_port)]
    horae_command += ["--workers", str(args.workers)]
    if args.floor_as_horae:
        horae_command = [
            str(PYTHON),
            str(BENCH / "floor.py"),
            "--port",
            str(horae_port),
            "--database-url",
            url,
        ]
    horae = Server("horae", horae_command, horae_port, env, "/api/ping")
    floor = Server(
        "floor", [str(PYTHON), str(BENCH / "floor.py"), "--port", str(floor_port), "--database-url", url],
        floor_port, env, "/api/ping",
    )  # fmt: skip
    results: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "size": args.size,
        "mode": args.mode,
        "machine": {
            "cpus": os.cpu_count(),
            "database": args.database,
            "workers": args.workers,
            "python": sys.version.split()[0],
            "wrk": wrk_version(wrk),
            "pinning": f"server on CPU {SERVER_CPU}, wrk on CPU {LOAD_CPU}" if cpus()[0] else "none",
            # Other work on the machine skews every figure; the load says how quiet it was.
            "load_average_before": round(os.getloadavg()[0], 2),
            "cpu_reference_ms": cpu_reference_ms(),
        },
        "dataset": {
            "spec": {**asdict(size.spec), "until": size.spec.until.isoformat()},
            "build": dataset.build,
        },
        "context": {
            "week": [d.isoformat() for d in context.week],
            "month": [d.isoformat() for d in context.month],
            "quarter": [d.isoformat() for d in context.quarter],
            "tag_term": context.tag_term,
            "tag_matches": context.tag_matches,
            "quarter_rows": context.quarter_rows,
        },
        "workloads": {},
    }
    # Reads first, then writes: the writes add rows the reads would otherwise see. The exports
    # come last: a server that is still writing abandoned exports would slow every later figure
    # (the writes add rows of today, outside the exported quarter).
    exports = [w for w in workloads if w.key in ("W7", "W8")]
    rest = [w for w in workloads if w not in exports]
    ordered = [w for w in rest if not w.writes] + [w for w in rest if w.writes] + exports
    with (
        running(horae),
        running(floor),
        httpx.Client(base_url=horae.base, timeout=120) as client,
        ExitStack() as stack,
    ):
        in_process = None if args.floor_as_horae else stack.enter_context(InProcess(url, context))
        probed: dict[str, Request] = {}
        for workload in ordered:
            if exports and workload is exports[0] and rest and not args.floor_as_horae:
                # The exports' peak memory is measured on a freshly started server: the process
                # keeps the memory earlier workloads grew it to, which is no export's doing.
                say("  restarting Horae for the exports")
                horae.stop()
                horae.start()
            found = probe(workload, client, context)
            entry: dict[str, Any] = {
                "title": workload.title,
                "available": found.available,
                "target": workload.target,
            }
            results["workloads"][workload.key] = entry
            if not found.available or found.request is None:
                entry["note"] = found.note
                say(f"  {workload.key}: {found.note}")
                continue
            say(f"  {workload.key}: {workload.title} ({found.request.method} {found.request.paths[0]})")
            probed[workload.key] = found.request
            entry["request"] = {"method": found.request.method, "path": found.request.paths[0]}
            if workload.rows:
                entry["rows"] = count_rows(workload.key, found, workload.rows(context))
            entry["probe_seconds"] = round(found.seconds, 3)
            if workload.baseline == "floor":
                with httpx.Client(base_url=floor.base, timeout=120) as floor_client:
                    entry["floor_same_json"] = same_json(floor_client, found)
                entry["horae"], entry["floor"], entry["paired_ratios"] = measure_against(
                    wrk, horae, floor, found.request, size, say
                )
            elif workload.baseline in probed:
                # Two requests to Horae in alternating slices; the ratio is the baseline request's
                # throughput over this one's: what this request costs more.
                other = workload.baseline
                entry["paired_with"] = other
                entry["paired_figures"], entry["horae"], entry["paired_ratios"] = measure_pairs(
                    wrk, (other, horae, probed[other]), (workload.key, horae, found.request), size, say
                )
            else:
                entry["horae"] = measure(wrk, horae, found.request, size, say, found.seconds)
            if in_process is None:
                continue
            entry["queries"], selects = in_process.measure(workload.key, found.request)
            say(f"    in-process {entry['queries']}")
            if workload.key in ("W5", "W6"):
                median, entry["sql_pairs"] = against_raw_sql(
                    wrk, horae, found.request, in_process.db.engine, selects
                )
                entry["paired_ratios"] = {"1": median}
                pairs = _pairs_text(entry["sql_pairs"], "ms")
                say(f"    {'':<10} c=1  against its SQL, {pairs} -> median {median}")
            elif workload.key == "W7":
                # An export takes seconds: each of Horae's runs is long enough for two of them.
                seconds = max(5, int(found.seconds * 2) + 1)
                csv_ratio, entry["sql_pairs"] = against_raw_sql(
                    wrk, horae, found.request, in_process.db.engine, selects, entry.get("rows"), seconds
                )
                entry["paired_csv_ratio"] = csv_ratio
                pairs = _pairs_text(entry["sql_pairs"], "rows/s")
                say(f"    {'':<10} c=1  rows/s against its SQL written as CSV, {pairs} -> median {csv_ratio}")
        timetagger = not args.skip_timetagger and args.database == "sqlite"  # TimeTagger keeps SQLite files
        if args.mode == "load" and timetagger and (only is None or {"W1", "W1 week", "W4"} & only):
            say("  TimeTagger:")
            try:
                results["timetagger"] = timetagger_baseline(wrk, dataset, context, size, say, horae, probed)
            except (BenchError, httpx.HTTPError, subprocess.CalledProcessError) as exc:
                results["timetagger"] = {"note": f"not measured: {exc}"}
                say(f"    {results['timetagger']['note']}")
    if args.floor_as_horae:
        results["note"] = "harness check: the floor app stood in for Horae"
    results["machine"]["load_average_after"] = round(os.getloadavg()[0], 2)
    return results


def count_rows(key: str, found: Probe, expected: int) -> int:
    """The data rows of a listing or an export (CSV lines or XLSX rows less the header)."""
    content = found.content
    if key == "W8":
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(content), read_only=True)
        # A streamed workbook may not declare its dimension: count the rows.
        rows = sum(sum(1 for _ in sheet.iter_rows(values_only=True)) for sheet in book.worksheets)
        return max(0, rows - len(book.worksheets))
    if key == "W7":
        return max(0, content.count(b"\n") - 1)
    try:
        return len(json.loads(content))
    except ValueError:
        return expected


def same_json(floor_client: httpx.Client, found: Probe) -> dict[str, Any]:
    """Whether the floor answers the probe's read with the same JSON (and the same bytes)."""
    request = found.request
    assert request is not None
    if request.method != "GET":
        return {"compared": False}
    answer = floor_client.get(request.paths[0], headers=request.auths[0])
    try:
        same = answer.json() == json.loads(found.content)
    except ValueError:
        same = False
    return {"compared": True, "same_json": same, "same_bytes": answer.content == found.content}


if __name__ == "__main__":
    sys.exit(main())
