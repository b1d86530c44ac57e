"""The demo data generator: counts, invariants of the written records, determinism, credentials."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from collections import Counter
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text

import horae.models
from horae.catalog_cache import generation
from horae.demo import DemoError, DemoSpec, generate_demo
from horae.models import Activity, Customer, Project, Tag, Team, TeamMember, Timesheet, TimesheetMeta, User
from horae.teams.models import team_customers, team_projects
from horae.timesheets.models import timesheet_tags
from horae.users.service import create_user
from tests.http import http_client

# Forty days across both DST changes of 2024 (US on March 10, EU on March 31).
SPEC = DemoSpec(
    timesheets=400,
    users=8,
    teams=2,
    customers=4,
    projects=10,
    activities=30,
    tags=20,
    spare_tags=5,
    days=40,
    seed=7,
    until=date(2024, 4, 10),
    batch_size=64,
)
# The console script users run, installed beside the interpreter.
HORAE = str(Path(sys.executable).with_name("horae"))
SECRET_COLUMNS = {"password_hash", "api_password_hash"}


def _empty(backend: Any) -> None:
    with backend.db.session() as session:
        for table in reversed(horae.models.metadata.sorted_tables):
            session.execute(table.delete())


def _dump(backend: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, secrets left out (their salts are random)."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    with backend.db.engine.connect() as connection:
        for table in horae.models.metadata.sorted_tables:
            if table.name == "generations":  # a counter of changes, not content
                continue
            columns = [c for c in table.columns if c.name not in SECRET_COLUMNS]
            order = list(table.primary_key.columns)
            rows[table.name] = [tuple(r) for r in connection.execute(select(*columns).order_by(*order))]
    return rows


def _timesheets(backend: Any) -> list[Timesheet]:
    with backend.db.session(write=False) as session:
        return list(session.scalars(select(Timesheet).order_by(Timesheet.id)))


def _count(backend: Any, table: Any) -> int:
    with backend.db.engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(table)) or 0)


def test_demo_writes_the_requested_number_of_every_record(backend: Any) -> None:
    result = generate_demo(backend.db.engine, SPEC)

    assert _count(backend, Timesheet.__table__) == 400
    assert _count(backend, User.__table__) == 9  # eight people and the super-admin
    assert _count(backend, Team.__table__) == 2
    assert _count(backend, TeamMember.__table__) == 8
    assert _count(backend, Customer.__table__) == 4
    assert _count(backend, Project.__table__) == 10
    assert _count(backend, Activity.__table__) == 30
    assert _count(backend, Tag.__table__) == 25
    assert result.counts["timesheets"] == 400


def test_demo_spreads_the_entries_evenly_over_the_people(backend: Any) -> None:
    generate_demo(backend.db.engine, SPEC)

    per_user = Counter(sheet.user_id for sheet in _timesheets(backend))
    assert sorted(per_user.values()) == [50] * 8


def test_demo_leaves_one_percent_running_with_at_most_one_per_user(backend: Any) -> None:
    result = generate_demo(backend.db.engine, SPEC)

    running = [sheet for sheet in _timesheets(backend) if sheet.end is None]
    assert len(running) == 4
    assert len({sheet.user_id for sheet in running}) == 4
    assert {u.id for u in result.users if u.running} == {sheet.user_id for sheet in running}
    assert all(sheet.duration == 0 and sheet.rate == 0 for sheet in running)


def test_demo_caps_running_entries_at_one_per_user(backend: Any) -> None:
    generate_demo(backend.db.engine, DemoSpec(**{**SPEC.__dict__, "running_share": 0.5}))

    running = Counter(sheet.user_id for sheet in _timesheets(backend) if sheet.end is None)
    assert len(running) == 8
    assert set(running.values()) == {1}


def test_demo_durations_equal_end_minus_begin(backend: Any) -> None:
    generate_demo(backend.db.engine, SPEC)

    for sheet in _timesheets(backend):
        if sheet.end is not None:
            assert sheet.duration == (sheet.end - sheet.begin).total_seconds() > 0


def test_demo_local_date_is_the_date_of_begin_in_the_record_timezone(backend: Any) -> None:
    generate_demo(backend.db.engine, SPEC)

    sheets = _timesheets(backend)
    for sheet in sheets:
        assert sheet.date == sheet.begin.astimezone(ZoneInfo(sheet.timezone)).date()
    # The sample is only meaningful if some local dates differ from the UTC date.
    assert any(sheet.date != sheet.begin.date() for sheet in sheets)


def test_demo_records_carry_the_owner_timezone(backend: Any) -> None:
    result = generate_demo(backend.db.engine, SPEC)

    zones = {user.id: user.timezone for user in result.users}
    assert all(sheet.timezone == zones[sheet.user_id] for sheet in _timesheets(backend))


def test_demo_entries_of_one_user_never_overlap(backend: Any) -> None:
    generate_demo(backend.db.engine, SPEC)

    by_user: dict[int, list[Timesheet]] = {}
    for sheet in _timesheets(backend):
        by_user.setdefault(sheet.user_id, []).append(sheet)
    for sheets in by_user.values():
        sheets.sort(key=lambda s: s.begin)
        for earlier, later in itertools.pairwise(sheets):
            assert earlier.end is not None and earlier.end <= later.begin


def test_demo_ids_follow_time(backend: Any) -> None:
    generate_demo(backend.db.engine, SPEC)

    dates = [sheet.date for sheet in _timesheets(backend)]
    assert dates == sorted(dates)


def test_demo_rates_are_hourly_rate_times_duration(backend: Any) -> None:
    generate_demo(backend.db.engine, SPEC)

    for sheet in _timesheets(backend):
        assert sheet.hourly_rate is not None and sheet.hourly_rate > 0
        expected = (sheet.hourly_rate * sheet.duration / 3600).quantize(Decimal("0.0001"), ROUND_HALF_UP)
        assert Decimal(sheet.rate).quantize(Decimal("0.0001")) == expected


def test_demo_activity_belongs_to_the_project_or_is_global(backend: Any) -> None:
    generate_demo(backend.db.engine, SPEC)

    with backend.db.session(write=False) as session:
        owners = dict(session.execute(select(Activity.id, Activity.project_id)).all())
    for sheet in _timesheets(backend):
        assert owners[sheet.activity_id] in (None, sheet.project_id)


def test_demo_people_book_only_on_projects_their_team_may_see(backend: Any) -> None:
    generate_demo(backend.db.engine, SPEC)

    with backend.db.engine.connect() as connection:
        team_of = dict(connection.execute(select(TeamMember.user_id, TeamMember.team_id)).all())
        customer_of = dict(connection.execute(select(Project.id, Project.customer_id)).all())
        customer_teams: dict[int, set[int]] = {}
        for team_id, customer_id in connection.execute(select(team_customers)):
            customer_teams.setdefault(customer_id, set()).add(team_id)
        project_teams: dict[int, set[int]] = {}
        for team_id, project_id in connection.execute(select(team_projects)):
            project_teams.setdefault(project_id, set()).add(team_id)
    for sheet in _timesheets(backend):
        team = team_of[sheet.user_id]
        assert team in project_teams.get(sheet.project_id, {team})
        assert team in customer_teams.get(customer_of[sheet.project_id], {team})


def test_demo_every_team_has_one_teamlead(backend: Any) -> None:
    result = generate_demo(backend.db.engine, SPEC)

    with backend.db.engine.connect() as connection:
        leads = connection.execute(
            select(TeamMember.team_id, TeamMember.user_id).where(TeamMember.teamlead)
        ).all()
    assert sorted(team for team, _user in leads) == [1, 2]
    roles = {user.id: user.roles for user in result.users}
    assert all(roles[user_id] == ["ROLE_TEAMLEAD"] for _team, user_id in leads)


def test_demo_tags_about_one_and_a_half_per_entry_and_meta_on_a_fifth(backend: Any) -> None:
    generate_demo(backend.db.engine, SPEC)

    links = _count(backend, timesheet_tags)
    meta = _count(backend, TimesheetMeta.__table__)
    assert 1.3 <= links / 400 <= 1.7
    assert 0.15 <= meta / 400 <= 0.25
    with backend.db.engine.connect() as connection:
        used = set(connection.scalars(select(timesheet_tags.c.tag_id).distinct()))
    assert max(used) <= 20  # spare tags label nothing


def test_demo_moves_the_catalog_and_tag_generations(backend: Any) -> None:
    # Its rows bypass the session hooks; a running server must not keep its old answers.
    def counters() -> dict[str, int]:
        with backend.db.session(write=False) as session:
            return {name: generation(session, name) for name in ("catalog", "tags")}

    before = counters()
    generate_demo(backend.db.engine, SPEC)
    after = counters()
    assert all(after[name] > before[name] for name in before), (before, after)


def test_demo_with_the_same_seed_writes_the_same_rows(backend: Any) -> None:
    generate_demo(backend.db.engine, SPEC)
    first = _dump(backend)
    _empty(backend)

    generate_demo(backend.db.engine, SPEC)

    assert _dump(backend) == first


def test_demo_with_another_seed_writes_other_rows(backend: Any) -> None:
    generate_demo(backend.db.engine, SPEC)
    first = _dump(backend)
    _empty(backend)

    generate_demo(backend.db.engine, DemoSpec(**{**SPEC.__dict__, "seed": 8}))

    assert _dump(backend)["timesheets"] != first["timesheets"]


def test_demo_leaves_the_id_sequences_ready_for_new_records(backend: Any) -> None:
    generate_demo(backend.db.engine, SPEC)

    with backend.db.session() as session:
        user = create_user(session, username="newcomer", email="newcomer@example.com", password="secret-123")
        session.add(Tag(name="brand-new"))
        session.flush()

    # Demo users took ids 1 to 9; the next id follows them (MariaDB may skip further ahead).
    assert user.id >= 10
    assert _count(backend, Tag.__table__) == 26


def test_demo_refuses_a_database_that_holds_data(backend: Any) -> None:
    generate_demo(backend.db.engine, SPEC)

    with pytest.raises(DemoError, match="already holds data"):
        generate_demo(backend.db.engine, SPEC)


def test_demo_users_authenticate_with_their_token_and_the_shared_api_password(backend: Any) -> None:
    result = generate_demo(backend.db.engine, SPEC, api_password="shared-api-secret")
    user = result.users[3]

    with http_client(base_url=backend.base_url, timeout=30) as http:
        by_token = http.get("/api/ping", headers={"Authorization": f"Bearer {user.token}"})
        by_password = http.get(
            "/api/ping", headers={"X-AUTH-USER": user.username, "X-AUTH-TOKEN": "shared-api-secret"}
        )

    assert by_token.status_code == 200
    assert by_password.status_code == 200


def test_demo_command_writes_the_database_and_the_credentials_file(tmp_path: Path) -> None:
    credentials = tmp_path / "credentials.json"
    env = {**os.environ, "HORAE_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite'}"}
    command = [HORAE, "demo", "--timesheets", "300", "--users", "5", "--teams", "2"]
    command += ["--days", "30", "--seed", "3", "--until", "2024-06-01", "--credentials", str(credentials)]

    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)

    assert done.returncode == 0, done.stderr
    assert "Wrote 300 timesheets" in done.stdout
    saved = json.loads(credentials.read_text())
    assert saved["password"] == "demo-password"
    assert saved["api_password"] == "demo-api-password"
    assert saved["users"][0]["username"] == "admin"
    assert len(saved["users"]) == 6
    assert saved["counts"]["timesheets"] == 300


def test_demo_command_refuses_a_database_that_holds_data(tmp_path: Path) -> None:
    env = {**os.environ, "HORAE_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite'}"}
    command = [HORAE, "demo", "--timesheets", "10", "--users", "2", "--teams", "1"]
    subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=True)

    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)

    assert again.returncode == 1
    assert again.stderr.startswith("horae: error: the database already holds data")


def test_demo_leaves_postgresql_with_the_planners_statistics(backend: Any) -> None:
    if backend.name != "postgresql":
        pytest.skip("InnoDB gathers its own statistics; SQLite keeps none in a running installation")
    generate_demo(backend.db.engine, SPEC)

    with backend.db.engine.connect() as connection:
        analyzed = connection.scalar(
            text(
                "SELECT count(*) FROM pg_stats "
                "WHERE schemaname = current_schema() AND tablename = 'timesheets'"
            )
        )
    assert analyzed
