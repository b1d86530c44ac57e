"""What timesheet requests cost in SQL: fixed numbers of queries, whatever the data size."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.cache_key import HasCacheKey

from horae.timesheets import statements
from horae.timesheets.models import Timesheet, timesheet_tags
from tests.api.test_timesheets import html5, yesterday_at

KEPT_ENTITY_TABLES = ("activities", "projects", "customers")


def domain_queries(counter) -> list[str]:
    """The statements of the request itself, without transaction markers and the cached
    parts of authentication (token usage, role overrides)."""
    skipped = ("access_tokens", "role_permissions", "roles.")
    return [s for s in counter.statements if not s.startswith("BEGIN") and not any(w in s for w in skipped)]


@pytest.mark.parametrize("full", [None, "true"])
def test_a_page_costs_the_same_queries_for_5_and_50_rows(make_user, catalog, timesheets, backend, full):
    teamlead = make_user("ROLE_TEAMLEAD")
    member = make_user()
    catalog.team(members=[member], leads=[teamlead])
    works = [catalog.work() for _ in range(5)]
    tag = catalog.tag("t")
    for i in range(50):
        owner = teamlead if i % 2 else member
        timesheets.create(
            owner, works[i % 5], yesterday_at(8) - timedelta(days=i), yesterday_at(9) - timedelta(days=i),
            tags=[tag], meta={"m": ("v", True)},
        )  # fmt: skip
    params = {"user": "all", **({"full": full} if full else {})}
    with teamlead.client() as client:
        client.get("/api/timesheets", params=params)
        counts = []
        for size in ("5", "50"):
            counter = backend.count_queries()
            assert len(client.get("/api/timesheets", params={**params, "size": size}).json()) == int(size)
            counts.append(len(domain_queries(counter)))
    assert counts[0] == counts[1]
    assert counts[0] <= 19


def test_a_page_of_ones_own_records_reads_no_settings(make_user, catalog, timesheets, backend):
    """W1 of the benchmarks: after the token, the caller's preferences and teams (one
    statement), the counters the answer is kept under, the count, the page, its tags and its
    custom fields; the system settings only matter to changes (lockdown), so a list does not
    read them. Asked again, the same page costs the counters alone."""
    user = make_user()
    catalog.team(members=[user])
    work = catalog.work()
    for day in range(8):
        timesheets.create(
            user, work, yesterday_at(8) - timedelta(days=day), yesterday_at(9) - timedelta(days=day)
        )
    with user.client() as client:
        client.get("/api/timesheets")
        counter = backend.count_queries()
        assert len(client.get("/api/timesheets", params={"size": "5"}).json()) == 5
        statements = domain_queries(counter)
        counter = backend.count_queries()
        assert len(client.get("/api/timesheets", params={"size": "5"}).json()) == 5
        again = domain_queries(counter)
    assert not [s for s in statements if "configuration" in s]
    assert len([s for s in statements if s.startswith("SELECT")]) <= 6, statements
    assert not [s for s in again if "FROM timesheets" in s], again
    assert len([s for s in again if "timesheets_generation" in s]) == 1, again


def _start_and_stop_costs(client, backend, work) -> tuple[int, int]:
    body = {"project": work.project.id, "activity": work.activity.id}
    counter = backend.count_queries()
    started = client.post("/api/timesheets", json=body)
    assert started.status_code == 200
    start = len(domain_queries(counter))
    counter = backend.count_queries()
    assert client.patch(f"/api/timesheets/{started.json()['id']}/stop").status_code == 200
    return start, len(domain_queries(counter))


def test_starting_and_stopping_cost_the_same_with_few_or_many_records(
    make_user, catalog, timesheets, backend
):
    user = make_user()
    work = catalog.work()
    with user.client() as client:
        client.get("/api/ping")
        _start_and_stop_costs(client, backend, work)  # the settings and team restrictions kept
        timesheets.create(user, work, datetime.now(UTC) - timedelta(hours=1))
        few = _start_and_stop_costs(client, backend, work)
        timesheets.many(user, work, 40)
        timesheets.create(user, work, datetime.now(UTC) - timedelta(minutes=30))
        many = _start_and_stop_costs(client, backend, work)
    assert few == many
    start, stop = few
    assert start <= 22 and stop <= 16


def test_an_activitys_project_and_customer_are_chained_not_nested(make_user, catalog, timesheets, backend):
    """Reading an activity joins its optional project and that project's customer as a chain of
    outer joins. Nested (`LEFT JOIN (projects JOIN customers)`), SQLite first joins every project
    to its customer, for each activity read: on every write and every expanded list."""
    user = make_user()
    work = catalog.work()
    with user.client() as client:
        counter = backend.count_queries()
        started = client.post(
            "/api/timesheets", json={"project": work.project.id, "activity": work.activity.id}
        )
        assert started.status_code == 200, started.text
        listed = client.get("/api/timesheets", params={"full": "true"}).json()
    assert listed[0]["activity"]["project"]["customer"]["id"] == work.customer.id
    reads = [s for s in counter.statements if s.startswith("SELECT activities.")]
    assert reads
    for statement in reads:
        assert "JOIN (" not in " ".join(statement.split()), statement


def test_writes_keep_the_settings_restrictions_rates_and_entities_while_the_catalog_is_unchanged(
    make_user, catalog, backend
):
    """The settings, the teams' restrictions, the configured rates, the project and the activity
    are read once per catalog generation: a second booking reads neither the configuration, nor
    any team link, nor a rate, nor the project, the activity or their customer."""
    user = make_user()
    work = catalog.work()
    body = {"project": work.project.id, "activity": work.activity.id, "begin": html5(yesterday_at(9))}
    with user.client() as client:
        first = client.post("/api/timesheets", json={**body, "end": html5(yesterday_at(10))})
        assert first.status_code == 200, first.text
        counter = backend.count_queries()
        second = client.post(
            "/api/timesheets",
            json={**body, "begin": html5(yesterday_at(11)), "end": html5(yesterday_at(12))},
        )
        assert second.status_code == 200, second.text
    read = " ".join(counter.statements)
    tables = ("configuration", "team_projects", "team_customers", "team_activities")
    for table in (*tables, "activity_rates", "project_rates", "customer_rates", *KEPT_ENTITY_TABLES):
        assert f"FROM {table}" not in read and f"{table}." not in read, counter.statements


def _project_teams(catalog, project, teams) -> None:
    from horae.projects.models import Project
    from horae.teams.models import Team

    with catalog.db.session() as session:
        session.get(Project, project.id).teams = [session.get(Team, team.id) for team in teams]


def test_a_changed_restriction_or_setting_counts_from_the_next_write(make_user, catalog):
    """What a write keeps of the catalog is dropped as soon as the catalog changes, by any
    process: the change moves the catalog's generation in the database."""
    user = make_user()
    work = catalog.work()
    body = {"project": work.project.id, "activity": work.activity.id, "begin": html5(yesterday_at(9))}
    invalid = {"errors": ["The selected choice is invalid."]}
    with user.client() as client:
        first = client.post("/api/timesheets", json={**body, "end": html5(yesterday_at(10))})
        assert first.status_code == 200, first.text
        # Restricted to a team the user is not in: the project is no longer a valid choice.
        _project_teams(catalog, work.project, [catalog.team(members=[make_user()])])
        refused = client.post("/api/timesheets", json={**body, "end": html5(yesterday_at(10))})
        assert refused.status_code == 400
        assert refused.json()["errors"]["children"]["project"] == invalid
        # Shared with the user's own team: valid again.
        _project_teams(catalog, work.project, [catalog.team(members=[user])])
        again = client.post("/api/timesheets", json={**body, "end": html5(yesterday_at(11))})
        assert again.status_code == 200, again.text
        # A setting changed elsewhere counts for the next write, too.
        catalog.setting("timesheet.rules.allow_future_times", "0")
        future = datetime.now(UTC) + timedelta(days=2)
        later = {"begin": html5(future), "end": html5(future + timedelta(hours=1))}
        refused = client.post("/api/timesheets", json={**body, **later})
        assert refused.status_code == 400, refused.text


def test_an_expanded_page_of_ones_own_records_costs_the_same_for_5_and_50_rows(
    make_user, catalog, timesheets, backend, set_meta
):
    """W1 full of the benchmarks: the page's activities, projects and customers are read with
    their custom fields in one statement each, whatever their number; the caller's own account
    is embedded as authentication read it."""
    user = make_user()
    works = [catalog.work() for _ in range(5)]
    for work in works:
        set_meta(work.activity, "a", "1")
        set_meta(work.project, "p", "2")
        set_meta(work.customer, "c", "3")
    for day in range(50):
        work = works[day % 5]
        timesheets.create(
            user, work, yesterday_at(8) - timedelta(days=day), yesterday_at(9) - timedelta(days=day)
        )
    params = {"full": "true"}
    with user.client() as client:
        client.get("/api/timesheets", params={**params, "size": "10"})
        counts = []
        for size in ("5", "50"):
            counter = backend.count_queries()
            listed = client.get("/api/timesheets", params={**params, "size": size}).json()
            assert len(listed) == int(size)
            assert {row["project"]["customer"]["metaFields"][0]["value"] for row in listed} == {"3"}
            counts.append(len(domain_queries(counter)))
    statements = domain_queries(counter)
    assert counts[0] == counts[1]
    assert not [s for s in statements if s.startswith("SELECT users.") and "timesheets_generation" not in s]
    assert counts[0] <= 12, statements


def test_a_write_locks_the_owners_row_only_where_writers_run_side_by_side(make_user, catalog, backend):
    """PostgreSQL and MariaDB let writers overlap: a start and a stop lock the owner's user row
    first (FOR UPDATE), so that parallel writes of one user queue. SQLite runs one writer at a
    time, and the lock's statement (its FOR UPDATE compiled away) would only cost a round."""
    user = make_user()
    work = catalog.work()
    with user.client() as client:
        client.get("/api/ping")
        counter = backend.count_queries()
        body = {"project": work.project.id, "activity": work.activity.id}
        started = client.post("/api/timesheets", json=body)
        assert started.status_code == 200, started.text
        assert client.patch(f"/api/timesheets/{started.json()['id']}/stop").status_code == 200
    owner_reads = [
        s for s in counter.statements if " ".join(s.split()).startswith("SELECT users.id FROM users WHERE")
    ]
    if backend.name == "sqlite":
        assert owner_reads == []
    else:
        assert len(owner_reads) == 2, counter.statements
        assert all("FOR UPDATE" in s for s in owner_reads)


def test_a_lists_statements_are_built_once_per_shape_and_run_with_each_requests_values(
    make_user, catalog, timesheets
):
    """The page and its count are kept per shape (which filters, whose records, the caller's
    teams, the order): another caller of the same teams with other values builds nothing, and
    still reads only its own rows. A search term's words are in its conditions: not kept."""
    first, second = make_user(), make_user()
    catalog.team(members=[first, second])
    work = catalog.work()
    day = timedelta(days=1)
    firsts = timesheets.many(first, work, 4, start=yesterday_at(9), description="alpha")
    seconds = timesheets.many(second, work, 4, start=yesterday_at(9) - 2 * day, description="beta")
    since = {"begin": html5(yesterday_at(0) - 2 * day), "size": "2"}
    with first.client() as client:
        listed = client.get("/api/timesheets", params=since)
        assert [row["id"] for row in listed.json()] == [r.id for r in firsts[:2]]
        assert listed.headers["x-total-count"] == "3"
    pages, counts = statements._kept_page.cache_info(), statements._kept_aggregate.cache_info()
    with second.client() as client:
        listed = client.get("/api/timesheets", params={**since, "begin": html5(yesterday_at(0) - 4 * day)})
        assert [row["id"] for row in listed.json()] == [r.id for r in seconds[:2]]
        assert listed.headers["x-total-count"] == "3"
        assert statements._kept_page.cache_info().hits == pages.hits + 1
        assert statements._kept_aggregate.cache_info().hits == counts.hits + 1
        assert statements._kept_page.cache_info().misses == pages.misses
        searched = client.get("/api/timesheets", params={"term": "beta"})
        assert [row["id"] for row in searched.json()] == [r.id for r in seconds]
    assert statements._kept_page.cache_info().currsize == pages.currsize
    assert statements._kept_aggregate.cache_info().currsize == counts.currsize


def test_the_recent_and_running_records_are_read_by_statements_kept_per_set_of_teams(
    make_user, catalog, timesheets
):
    """`/recent` and `/active` build nothing for a second caller of the same teams, who still
    reads only its own records (the user, the begin and the size are bound values)."""
    first, second = make_user(), make_user()
    catalog.team(members=[first, second])
    work, other = catalog.work(), catalog.work()
    timesheets.create(first, work, yesterday_at(8), yesterday_at(9))
    mine = timesheets.create(first, other, yesterday_at(10))
    timesheets.create(  # an older record of the same pair
        second, work, yesterday_at(8) - timedelta(days=3), yesterday_at(9) - timedelta(days=3)
    )
    latest = timesheets.create(
        second, work, yesterday_at(8) - timedelta(days=2), yesterday_at(9) - timedelta(days=2)
    )
    far = timesheets.create(
        second, other, yesterday_at(8) - timedelta(days=9), yesterday_at(9) - timedelta(days=9)
    )
    since = {"begin": html5(yesterday_at(0) - timedelta(days=5)), "size": "5"}
    with first.client() as client:
        assert [row["id"] for row in client.get("/api/timesheets/active").json()] == [mine.id]
        assert len(client.get("/api/timesheets/recent").json()) == 2
        assert len(client.get("/api/timesheets/recent", params=since).json()) == 2
    kept = statements.latest_per_pair.cache_info()
    with second.client() as client:
        assert client.get("/api/timesheets/active").json() == []
        recent = client.get("/api/timesheets/recent", params=since).json()
        assert [row["id"] for row in recent] == [latest.id]
        assert [row["id"] for row in client.get("/api/timesheets/recent").json()] == [latest.id, far.id]
    now = statements.latest_per_pair.cache_info()
    assert (now.hits, now.misses) == (kept.hits + 2, kept.misses)


def test_a_new_record_is_written_by_its_own_inserts_and_reads_back_as_answered(
    make_user, catalog, backend, db
):
    """W3 and W4 of the benchmarks: a create writes the record and its tags with one INSERT
    each, outside the unit of work's flush of new objects (which walks the owner, project,
    activity and tags too). What is stored is what the answer showed, the column defaults
    included."""
    user = make_user("ROLE_ADMIN")
    work = catalog.work()
    tags = [catalog.tag("b-tag"), catalog.tag("a-tag")]
    flushed_new: list[str] = []

    def note_new(session: Session, _context: object, _instances: object) -> None:
        flushed_new.extend(type(instance).__name__ for instance in session.new)

    body = {
        "project": work.project.id,
        "activity": work.activity.id,
        "begin": html5(yesterday_at(9)),
        "end": html5(yesterday_at(10, 30)),
        "description": "written directly",
        "tags": "a-tag,b-tag,no-such-tag",
        "hourlyRate": 80,
    }
    event.listen(Session, "before_flush", note_new)
    try:
        with user.client() as client:
            client.get("/api/ping")
            counter = backend.count_queries()
            created = client.post("/api/timesheets", json=body)
            assert created.status_code == 200, created.text
            inserts = [s.split("(")[0].split()[-1] for s in counter.statements if s.startswith("INSERT")]
            read = client.get(f"/api/timesheets/{created.json()['id']}")
            running = client.post(
                "/api/timesheets", json={"project": work.project.id, "activity": work.activity.id}
            )
            assert running.status_code == 200, running.text
    finally:
        event.remove(Session, "before_flush", note_new)
    assert inserts == ["timesheets", "timesheet_tags"]
    assert "Timesheet" not in flushed_new
    answer = created.json()
    assert read.json() == answer
    assert answer["tags"] == ["b-tag", "a-tag"]  # in the order of the tags' ids
    assert (answer["duration"], answer["hourlyRate"], answer["rate"]) == (5400, 80.0, 120.0)
    assert running.json()["end"] is None and running.json()["tags"] == []
    with db.session() as session:
        stored = session.execute(
            select(Timesheet.category, Timesheet.user_id, Timesheet.duration).where(
                Timesheet.id == answer["id"]
            )
        ).one()
        tag_ids = set(
            session.scalars(
                select(timesheet_tags.c.tag_id).where(timesheet_tags.c.timesheet_id == answer["id"])
            )
        )
    assert tuple(stored) == ("work", user.id, 5400)
    assert tag_ids == {tag.id for tag in tags}


def _set_columns(statement: str) -> set[str]:
    assignments = statement.split(" SET ", 1)[1].split(" WHERE ", 1)[0]
    return {part.split("=")[0].strip().strip('"`') for part in assignments.split(",")}


def test_a_stop_writes_only_its_changed_columns_and_a_change_of_tags_still_reaches_them(
    make_user, catalog, timesheets, backend
):
    """W3 of the benchmarks: stopping a record changes none of its relations, so it sends one
    UPDATE of the columns that change, without the unit of work's flush of the record. An
    update that changes the tags goes through the flush and stores them."""
    user = make_user()
    work = catalog.work()
    tag = catalog.tag("kept")
    record = timesheets.create(user, work, datetime.now(UTC) - timedelta(hours=2), tags=[tag])
    flushed_dirty: list[str] = []

    def note_dirty(session: Session, _context: object, _instances: object) -> None:
        flushed_dirty.extend(type(instance).__name__ for instance in session.dirty)

    event.listen(Session, "before_flush", note_dirty)
    try:
        with user.client() as client:
            client.get("/api/ping")
            counter = backend.count_queries()
            stopped = client.patch(f"/api/timesheets/{record.id}/stop")
            assert stopped.status_code == 200, stopped.text
            updates = [s for s in counter.statements if s.startswith("UPDATE timesheets")]
            read = client.get(f"/api/timesheets/{record.id}")
            dirty_at_stop = list(flushed_dirty)
            retagged = client.patch(f"/api/timesheets/{record.id}", json={"tags": "", "description": "d"})
            assert retagged.status_code == 200, retagged.text
            reread = client.get(f"/api/timesheets/{record.id}")
    finally:
        event.remove(Session, "before_flush", note_dirty)
    assert "Timesheet" not in dirty_at_stop
    assert len(updates) == 1, updates
    written = _set_columns(updates[0])
    assert {"end", "duration", "modified_at"} <= written
    assert not written & {"user_id", "project_id", "activity_id", "description", "timezone", "exported"}
    answer = stopped.json()
    assert answer["end"] is not None and answer["duration"] >= 7200
    assert answer["tags"] == ["kept"]
    assert read.json() == answer
    assert "Timesheet" in flushed_dirty[len(dirty_at_stop) :]
    assert retagged.json()["tags"] == [] and reread.json()["tags"] == []
    assert reread.json()["description"] == "d"
    assert reread.json()["end"] == answer["end"]


def test_reading_creating_starting_and_stopping_a_record_build_no_statements_once_warm(
    make_user, catalog, timesheets, monkeypatch
):
    """A statement built for a request costs SQLAlchemy a walk of it for its cache key, about as
    much as running a small query. One record's read (its tags and custom fields included), a
    create, a start (with its look for other running records) and a stop run statements built
    once; the first request of each kind builds them."""
    user = make_user()
    work = catalog.work()
    tag = catalog.tag("t")
    other = timesheets.create(
        user, work, yesterday_at(8), yesterday_at(9), tags=[tag], meta={"m": ("v", True)}
    )
    body = {"project": work.project.id, "activity": work.activity.id, "tags": "t"}
    finished = {**body, "begin": html5(yesterday_at(10)), "end": html5(yesterday_at(11))}
    built: list[str] = []
    original = HasCacheKey._generate_cache_key

    def counted(self: HasCacheKey) -> object:
        built.append(type(self).__name__)
        return original(self)

    def requests(client: object) -> dict[str, list[str]]:
        found = {}
        for name, send in (
            ("read", lambda: client.get(f"/api/timesheets/{other.id}")),
            ("create", lambda: client.post("/api/timesheets", json=finished)),
            ("start", lambda: client.post("/api/timesheets", json=body)),
        ):
            built.clear()
            answer = send()
            assert answer.status_code == 200, answer.text
            found[name] = list(built)
            if name == "start":
                built.clear()
                stopped = client.patch(f"/api/timesheets/{answer.json()['id']}/stop")
                assert stopped.status_code == 200, stopped.text
                found["stop"] = list(built)
        return found

    with user.client() as client:
        monkeypatch.setattr(HasCacheKey, "_generate_cache_key", counted)
        first = requests(client)
        second = requests(client)
    assert any(first.values()), first
    assert second == {"read": [], "create": [], "start": [], "stop": []}


def test_a_writes_tags_are_read_by_one_parameter_per_name_up_to_sixteen_names(make_user, catalog):
    """Up to 16 names, a write reads its tags by a statement with one parameter per name, which
    SQLAlchemy does not render again for each request as it does an expanding list; more names
    take the list. Either way the stored names are found, case-insensitive ones too."""
    from horae.timesheets import service

    assert not service._tags_named(3).compile().post_compile_params
    assert service._tags_named(0).compile().post_compile_params
    user = make_user()
    work = catalog.work()
    for name in ("alpha", "Beta", "gamma"):
        catalog.tag(name)
    few = "alpha,beta,unknown"
    many = ",".join(["alpha", "BETA", "gamma"] + [f"missing-{index}" for index in range(17)])
    with user.client() as client:
        answers = [
            client.post(
                "/api/timesheets",
                json={"project": work.project.id, "activity": work.activity.id, "tags": names},
            )
            for names in (few, many)
        ]
    assert [answer.status_code for answer in answers] == [200, 200], answers[0].text
    assert answers[0].json()["tags"] == ["alpha", "Beta"]
    assert answers[1].json()["tags"] == ["alpha", "Beta", "gamma"]
