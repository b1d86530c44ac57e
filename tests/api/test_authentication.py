"""How /api requests authenticate: Bearer access tokens, the legacy API password, their failures
(TIMESHEETS_AUTH_ERRORS §2.2, §2.3, §2.6) and the failure rate limit that replaces Kimai's 400."""

from __future__ import annotations

import json
from datetime import timedelta
from http.client import HTTPConnection
from urllib.parse import urlsplit

import pytest
from sqlalchemy import event, select

import horae.security.authentication as authentication
import horae.security.passwords as passwords
from horae.db import utcnow
from horae.users.models import AccessToken, User
from horae.users.service import set_api_password
from tests.factories.users import API_PASSWORD, PASSWORD

UNAUTHORIZED = {"code": 401, "message": "Unauthorized"}
INVALID_CREDENTIALS = {"message": "Invalid credentials"}


def legacy(login: str, secret: str) -> dict[str, str]:
    return {"X-AUTH-USER": login, "X-AUTH-TOKEN": secret}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def token_row(backend, user_id: int) -> AccessToken:
    with backend.db.session(write=False) as session:
        return session.scalars(select(AccessToken).where(AccessToken.user_id == user_id)).one()


# --- no credentials ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-AUTH-USER": "someone"},
        {"X-AUTH-TOKEN": "secret"},
        {"Authorization": "bearer abcdef"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
    ],
    ids=["nothing", "user only", "token only", "lowercase bearer", "basic"],
)
def test_missing_credentials_are_401_json(http, headers):
    response = http.get("/api/users/me", headers=headers)
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED
    assert "www-authenticate" not in response.headers


@pytest.mark.parametrize("value", ["Bearer ", "Bearer    "])
def test_bearer_without_a_token_is_401_json(backend, value):
    # httpx refuses such a header value, so it is sent as it would come from a careless client.
    connection = HTTPConnection(urlsplit(backend.base_url).netloc, timeout=30)
    try:
        connection.request("GET", "/api/users/me", headers={"Authorization": value})
        response = connection.getresponse()
        status, body = response.status, json.loads(response.read())
    finally:
        connection.close()
    assert status == 401
    assert body == UNAUTHORIZED


# --- legacy API password ----------------------------------------------------------------------


def test_api_password_signs_in(http, make_user):
    user = make_user(username="anna")
    response = http.get("/api/users/me", headers=legacy("anna", API_PASSWORD))
    assert response.status_code == 200
    assert response.json()["id"] == user.id


def test_api_password_signs_in_with_the_email_address(http, make_user):
    user = make_user(username="anna", email="anna@example.com")
    response = http.get("/api/users/me", headers=legacy("anna@example.com", API_PASSWORD))
    assert response.status_code == 200
    assert response.json()["id"] == user.id


def test_empty_user_header_names_the_missing_header(http):
    response = http.get("/api/users/me", headers=legacy("", "secret"))
    assert response.status_code == 403
    assert response.json() == {"message": "Authentication required, missing user header: X-AUTH-USER"}


def test_empty_token_header_names_the_missing_header(http, make_user):
    make_user(username="anna")
    response = http.get("/api/users/me", headers=legacy("anna", ""))
    assert response.status_code == 403
    assert response.json() == {"message": "Authentication required, missing token header: X-AUTH-TOKEN"}


def test_wrong_api_password_is_invalid_credentials(http, make_user):
    make_user(username="anna")
    response = http.get("/api/users/me", headers=legacy("anna", "wrong-password"))
    assert response.status_code == 403
    assert response.json() == INVALID_CREDENTIALS


def test_unknown_user_is_invalid_credentials(http):
    response = http.get("/api/users/me", headers=legacy("nobody", API_PASSWORD))
    assert response.status_code == 403
    assert response.json() == INVALID_CREDENTIALS


def test_disabled_user_is_invalid_credentials(http, make_user):
    make_user(username="anna", enabled=False)
    response = http.get("/api/users/me", headers=legacy("anna", API_PASSWORD))
    assert response.status_code == 403
    assert response.json() == INVALID_CREDENTIALS


def test_user_without_api_password_is_invalid_credentials(http, make_user):
    make_user(username="anna", api_password=None)
    response = http.get("/api/users/me", headers=legacy("anna", API_PASSWORD))
    assert response.status_code == 403
    assert response.json() == INVALID_CREDENTIALS


def test_login_password_is_not_an_api_password(http, make_user):
    make_user(username="anna")
    response = http.get("/api/users/me", headers=legacy("anna", PASSWORD))
    assert response.status_code == 403
    assert response.json() == INVALID_CREDENTIALS


def test_api_password_is_verified_by_hash_only_once(http, make_user, monkeypatch):
    make_user(username="anna")
    calls = []
    real = passwords.verify_password

    def spy(stored_hash, plain):
        calls.append(plain)
        return real(stored_hash, plain)

    monkeypatch.setattr(passwords, "verify_password", spy)
    assert http.get("/api/users/me", headers=legacy("anna", API_PASSWORD)).status_code == 200
    assert http.get("/api/users/me", headers=legacy("anna", API_PASSWORD)).status_code == 200
    assert http.get("/api/users/me", headers=legacy("anna", API_PASSWORD)).status_code == 200
    assert calls == [API_PASSWORD]


def test_changed_api_password_takes_effect_despite_the_cache(backend, http, make_user):
    user = make_user(username="anna")
    assert http.get("/api/users/me", headers=legacy("anna", API_PASSWORD)).status_code == 200
    with backend.db.session() as session:
        set_api_password(session.get(User, user.id), "a-new-api-password")
    assert http.get("/api/users/me", headers=legacy("anna", API_PASSWORD)).status_code == 403
    assert http.get("/api/users/me", headers=legacy("anna", "a-new-api-password")).status_code == 200


def test_a_kept_api_password_reads_only_the_throttle_and_the_accounts_generation(backend, http, make_user):
    make_user(username="anna")
    assert http.get("/api/ping", headers=legacy("anna", API_PASSWORD)).status_code == 200
    counter = backend.count_queries()
    assert http.get("/api/ping", headers=legacy("anna", API_PASSWORD)).json() == {"message": "pong"}
    counter.active = False
    statements = [sql for sql in counter.statements if sql not in ("BEGIN", "COMMIT")]
    assert len(statements) == 1, statements
    assert "auth_failures" in statements[0] and "generations" in statements[0]
    assert "users" not in statements[0].replace("FROM generations", "")


def test_a_kept_api_password_is_still_throttled(http, make_user, frozen_clock):
    make_user(username="anna")
    assert http.get("/api/users/me", headers=legacy("anna", API_PASSWORD)).status_code == 200
    for _ in range(5):
        assert http.get("/api/users/me", headers=legacy("anna", "wrong")).status_code == 403
    assert http.get("/api/users/me", headers=legacy("anna", API_PASSWORD)).status_code == 429


def test_a_kept_api_password_follows_a_change_of_the_login(backend, http, make_user):
    """The kept account is found by its login and password: a renamed account no longer
    answers to the old login, and another account that takes it does not inherit the caller."""
    user = make_user(username="anna")
    assert http.get("/api/users/me", headers=legacy("anna", API_PASSWORD)).json()["id"] == user.id
    with backend.db.session() as session:
        session.get(User, user.id).username = "anna-renamed"  # type: ignore[union-attr]
    assert http.get("/api/users/me", headers=legacy("anna", API_PASSWORD)).status_code == 403
    other = make_user(username="anna", email="another-anna@example.com")
    assert http.get("/api/users/me", headers=legacy("anna", API_PASSWORD)).json()["id"] == other.id


def test_api_password_skips_the_api_access_permission(http, make_user, set_permission):
    set_permission("ROLE_USER", "api_access", False)
    make_user(username="anna")
    assert http.get("/api/users/me", headers=legacy("anna", API_PASSWORD)).status_code == 200


# --- failure rate limit -----------------------------------------------------------------------


@pytest.fixture
def frozen_clock(monkeypatch):
    """Freezes the throttle's clock 10 s into a 60 s window, so a run never straddles two windows."""
    now = [utcnow().replace(second=10)]
    monkeypatch.setattr(authentication, "utcnow", lambda: now[0])
    return now


def test_failures_from_one_client_are_limited(http, make_user, frozen_clock):
    make_user(username="anna")
    for _ in range(5):
        assert http.get("/api/users/me", headers=legacy("anna", "wrong")).status_code == 403
    response = http.get("/api/users/me", headers=legacy("anna", "wrong"))
    assert response.status_code == 429
    assert response.json() == {"code": 429, "message": "Too Many Requests"}
    assert response.headers["retry-after"] == "51"


def test_empty_api_passwords_count_as_failures(http, make_user, frozen_clock):
    make_user(username="anna")
    for _ in range(5):
        assert http.get("/api/users/me", headers=legacy("anna", "")).status_code == 403
    assert http.get("/api/users/me", headers=legacy("anna", API_PASSWORD)).status_code == 429


def test_a_limited_client_is_refused_even_with_the_right_password(http, make_user, frozen_clock):
    make_user(username="anna")
    make_user(username="bert")
    for _ in range(5):
        http.get("/api/users/me", headers=legacy("nobody", "wrong"))
    assert http.get("/api/users/me", headers=legacy("bert", API_PASSWORD)).status_code == 429


def test_failures_for_one_user_are_limited_across_clients(http, make_user, frozen_clock):
    make_user(username="anna")
    make_user(username="bert")
    for number in range(5):
        headers = {**legacy("anna", "wrong"), "X-Forwarded-For": f"203.0.113.{number}"}
        assert http.get("/api/users/me", headers=headers).status_code == 403
    fresh_client = {"X-Forwarded-For": "198.51.100.7"}
    assert (
        http.get("/api/users/me", headers={**legacy("anna", API_PASSWORD), **fresh_client}).status_code == 429
    )
    assert (
        http.get("/api/users/me", headers={**legacy("bert", API_PASSWORD), **fresh_client}).status_code == 200
    )


def test_the_limit_ends_with_the_window(http, make_user, frozen_clock):
    make_user(username="anna")
    for _ in range(5):
        http.get("/api/users/me", headers=legacy("anna", "wrong"))
    assert http.get("/api/users/me", headers=legacy("anna", API_PASSWORD)).status_code == 429
    frozen_clock[0] += timedelta(seconds=60)
    assert http.get("/api/users/me", headers=legacy("anna", API_PASSWORD)).status_code == 200


def test_successful_requests_are_not_limited(http, make_user, frozen_clock):
    make_user(username="anna")
    for _ in range(8):
        assert http.get("/api/users/me", headers=legacy("anna", API_PASSWORD)).status_code == 200


def test_an_unknown_login_is_limited_too(http, frozen_clock):
    for number in range(5):
        headers = {**legacy("ghost", "wrong"), "X-Forwarded-For": f"203.0.113.{number}"}
        assert http.get("/api/users/me", headers=headers).status_code == 403
    headers = {**legacy("ghost", "wrong"), "X-Forwarded-For": "198.51.100.7"}
    assert http.get("/api/users/me", headers=headers).status_code == 429


def test_a_login_longer_than_a_stored_key_is_limited_across_clients(http, frozen_clock):
    login = "x" * 300
    for number in range(5):
        headers = {**legacy(login, "wrong"), "X-Forwarded-For": f"203.0.113.{number}"}
        assert http.get("/api/users/me", headers=headers).status_code == 403
    headers = {**legacy(login, "wrong"), "X-Forwarded-For": "198.51.100.7"}
    assert http.get("/api/users/me", headers=headers).status_code == 429


def test_an_api_password_costs_no_more_statements_than_a_bearer_token(backend, http, make_user):
    user = make_user(username="anna")
    counts = {}
    for scheme, headers in (("password", legacy("anna", API_PASSWORD)), ("token", user.headers)):
        assert http.get("/api/ping", headers=headers).status_code == 200  # warm caches, token usage
        counter = backend.count_queries()
        assert http.get("/api/ping", headers=headers).status_code == 200
        counter.active = False
        counts[scheme] = len([sql for sql in counter.statements if sql not in ("BEGIN", "COMMIT")])
    assert counts["password"] == counts["token"]


@pytest.mark.parametrize("scheme", ["token", "password"])
def test_a_reading_request_is_authenticated_on_its_own_connection(backend, http, make_user, scheme):
    """The caller is read in the request's unit of work: one pooled connection per GET."""
    user = make_user(username="anna")
    headers = user.headers if scheme == "token" else legacy("anna", API_PASSWORD)
    checkouts: list[object] = []

    def count(*_args: object) -> None:
        checkouts.append(_args)

    assert http.get("/api/tags/find", params={"name": "x"}, headers=headers).status_code == 200
    event.listen(backend.db.engine, "checkout", count)
    try:
        assert http.get("/api/tags/find", params={"name": "x"}, headers=headers).status_code == 200
        assert http.get("/api/users/me", headers=headers).json()["id"] == user.id
    finally:
        event.remove(backend.db.engine, "checkout", count)
    assert len(checkouts) == 2


# --- Bearer access tokens ---------------------------------------------------------------------


def test_bearer_token_signs_in(http, make_user):
    user = make_user()
    response = http.get("/api/users/me", headers=bearer(user.token))
    assert response.status_code == 200
    assert response.json()["id"] == user.id


def test_unknown_bearer_token_is_401_with_an_empty_body(http, make_user):
    make_user()
    response = http.get("/api/users/me", headers=bearer("0123456789abcdef0123456789"))
    assert response.status_code == 401
    assert response.content == b""
    assert response.headers["www-authenticate"] == (
        'Bearer error="invalid_token",error_description="Invalid credentials."'
    )


def test_expired_bearer_token_is_401_invalid_credentials(backend, http, make_user):
    user = make_user()
    with backend.db.session() as session:
        row = session.scalars(select(AccessToken).where(AccessToken.user_id == user.id)).one()
        row.expires_at = utcnow() - timedelta(seconds=1)
    response = http.get("/api/users/me", headers=bearer(user.token))
    assert response.status_code == 401
    assert response.content == b""
    assert response.headers["www-authenticate"] == (
        'Bearer error="invalid_token",error_description="Invalid credentials."'
    )


def test_bearer_token_of_a_disabled_user_is_401_account_disabled(http, make_user):
    user = make_user(enabled=False)
    response = http.get("/api/users/me", headers=bearer(user.token))
    assert response.status_code == 401
    assert response.content == b""
    assert response.headers["www-authenticate"] == (
        'Bearer error="invalid_token",error_description="Account is disabled."'
    )


def test_bearer_token_needs_api_access(http, make_user, set_permission):
    set_permission("ROLE_USER", "api_access", False)
    user = make_user()
    response = http.get("/api/users/me", headers=bearer(user.token))
    assert response.status_code == 403
    assert response.json() == {"code": 403, "message": "Forbidden"}


def test_api_access_of_any_role_is_enough(http, make_user, set_permission):
    set_permission("ROLE_USER", "api_access", False)
    user = make_user("ROLE_TEAMLEAD")
    assert http.get("/api/users/me", headers=bearer(user.token)).status_code == 200


def test_deleted_access_token_stops_working_at_once(backend, http, make_user):
    user = make_user()
    token_id = token_row(backend, user.id).id
    assert http.delete(f"/api/users/api-token/{token_id}", headers=bearer(user.token)).status_code == 200
    response = http.get("/api/users/me", headers=bearer(user.token))
    assert response.status_code == 401
    assert response.content == b""


def test_use_of_a_token_is_recorded(backend, http, make_user):
    user = make_user()
    assert token_row(backend, user.id).last_usage is None
    before = utcnow()
    http.get("/api/users/me", headers=bearer(user.token))
    last_usage = token_row(backend, user.id).last_usage
    assert last_usage is not None
    assert before <= last_usage <= utcnow()


def test_token_usage_is_written_at_most_once_a_minute(backend, http, make_user):
    user = make_user()
    recent = utcnow() - timedelta(seconds=30)
    with backend.db.session() as session:
        session.scalars(select(AccessToken).where(AccessToken.user_id == user.id)).one().last_usage = recent
    http.get("/api/users/me", headers=bearer(user.token))
    assert token_row(backend, user.id).last_usage == recent


def test_token_usage_older_than_a_minute_is_refreshed(backend, http, make_user):
    user = make_user()
    old = utcnow() - timedelta(minutes=5)
    with backend.db.session() as session:
        session.scalars(select(AccessToken).where(AccessToken.user_id == user.id)).one().last_usage = old
    http.get("/api/users/me", headers=bearer(user.token))
    assert token_row(backend, user.id).last_usage > old


def _accounts_generation(backend) -> int:
    from horae.catalog_cache import ACCOUNTS, generation

    with backend.db.session(write=False) as session:
        return generation(session, ACCOUNTS)


def test_a_kept_token_reads_only_the_accounts_generation(backend, http, make_user):
    """A token once read is kept with its account while the accounts' generation is unchanged:
    its request reads that counter alone (one primary-key read) instead of the token's and the
    account's rows."""
    user = make_user()
    assert http.get("/api/ping", headers=bearer(user.token)).status_code == 200  # read, usage noted
    counter = backend.count_queries()
    assert http.get("/api/ping", headers=bearer(user.token)).json() == {"message": "pong"}
    counter.active = False
    statements = [sql for sql in counter.statements if sql not in ("BEGIN", "COMMIT")]
    assert len(statements) == 1, statements
    assert "generations" in statements[0] and "access_tokens" not in statements[0]


def test_a_kept_token_follows_a_change_made_by_another_process(backend, http, make_user):
    """The kept token is checked against the generation in the database, which every writer
    moves at its commit: a change written through another engine (another worker, another
    host) that moves it shows in the very next request, with nothing said to this process."""
    from sqlalchemy import create_engine, update

    from horae.catalog_cache import ACCOUNTS, advance

    user = make_user()
    assert http.get("/api/users/me", headers=bearer(user.token)).status_code == 200
    other = create_engine(backend.url)
    try:
        with other.begin() as connection:
            connection.execute(update(User).where(User.id == user.id).values(enabled=False))
            advance(connection, ACCOUNTS)
    finally:
        other.dispose()
    response = http.get("/api/users/me", headers=bearer(user.token))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == (
        'Bearer error="invalid_token",error_description="Account is disabled."'
    )


def test_a_kept_token_expires_on_time(backend, http, make_user, frozen_clock):
    user = make_user()
    with backend.db.session() as session:
        row = session.scalars(select(AccessToken).where(AccessToken.user_id == user.id)).one()
        row.expires_at = frozen_clock[0] + timedelta(hours=1)
    assert http.get("/api/users/me", headers=bearer(user.token)).status_code == 200
    assert http.get("/api/users/me", headers=bearer(user.token)).status_code == 200
    generation = _accounts_generation(backend)
    frozen_clock[0] += timedelta(hours=1)
    response = http.get("/api/users/me", headers=bearer(user.token))
    assert response.status_code == 401
    assert response.content == b""
    assert _accounts_generation(backend) == generation


def test_the_time_of_a_tokens_use_moves_no_generation(backend, http, make_user, frozen_clock):
    """`last_usage` is no part of a kept caller: writing it, once a minute, keeps every kept
    token and account, and the kept token notes the time it wrote."""
    user = make_user()
    assert http.get("/api/ping", headers=bearer(user.token)).status_code == 200
    written = token_row(backend, user.id).last_usage
    generation = _accounts_generation(backend)
    frozen_clock[0] += timedelta(minutes=2)
    assert http.get("/api/ping", headers=bearer(user.token)).status_code == 200
    assert token_row(backend, user.id).last_usage > written
    assert _accounts_generation(backend) == generation
    counter = backend.count_queries()
    assert http.get("/api/ping", headers=bearer(user.token)).status_code == 200
    counter.active = False
    assert not [sql for sql in counter.statements if sql.startswith("UPDATE")], counter.statements


def _checkouts_of(backend, request) -> int:
    """How many pooled connections `request()` takes."""
    checkouts: list[object] = []

    def count(*args: object) -> None:
        checkouts.append(args)

    event.listen(backend.db.engine, "checkout", count)
    try:
        request()
    finally:
        event.remove(backend.db.engine, "checkout", count)
    return len(checkouts)


def test_a_write_with_a_kept_token_is_authenticated_in_its_own_unit_of_work(backend, http, make_user):
    """A token read before is confirmed inside the writing request's own transaction: one
    pooled connection for the write. A token not kept yet is checked in a short read
    transaction of its own first, before a writer's lock is taken."""
    user = make_user()

    def create(name: str) -> None:
        response = http.post("/api/tags", json={"name": name, "visible": True}, headers=bearer(user.token))
        assert response.status_code == 200, response.text

    # Not kept yet: its read transaction, its first use noted apart, then the write.
    assert _checkouts_of(backend, lambda: create("first")) == 3
    assert _checkouts_of(backend, lambda: create("second")) == 1
    response = http.post("/api/tags", json={"name": ""}, headers=bearer(user.token))
    assert response.status_code == 400
    assert http.get("/api/tags", headers=bearer(user.token)).json() == ["first", "second"]


def test_a_write_with_a_kept_token_notes_the_tokens_use_in_its_unit_of_work(
    backend, http, make_user, frozen_clock
):
    """A minute later the time of use is written by the writing request itself (a writer of its
    own would wait, on SQLite, for the lock the request holds), and moves no generation."""
    user = make_user()
    assert http.get("/api/ping", headers=bearer(user.token)).status_code == 200
    generation = _accounts_generation(backend)
    frozen_clock[0] += timedelta(minutes=2)

    answers = []

    def create() -> None:
        answers.append(
            http.post("/api/tags", json={"name": "later", "visible": True}, headers=bearer(user.token))
        )

    assert _checkouts_of(backend, create) == 1
    assert answers[0].status_code == 200, answers[0].text
    assert token_row(backend, user.id).last_usage == frozen_clock[0]
    assert _accounts_generation(backend) == generation
    assert http.get("/api/tags", headers=bearer(user.token)).json() == ["later"]


def test_a_kept_token_revoked_elsewhere_writes_nothing(backend, http, make_user):
    from sqlalchemy import create_engine, delete

    from horae.catalog_cache import ACCOUNTS, advance

    user, other_user = make_user(), make_user()
    assert http.get("/api/ping", headers=bearer(user.token)).status_code == 200
    other = create_engine(backend.url)
    try:
        with other.begin() as connection:
            connection.execute(delete(AccessToken).where(AccessToken.user_id == user.id))
            advance(connection, ACCOUNTS)
    finally:
        other.dispose()

    response = http.post("/api/tags", json={"name": "revoked", "visible": True}, headers=bearer(user.token))
    assert response.status_code == 401
    assert response.content == b""
    assert http.get("/api/tags", headers=bearer(other_user.token)).json() == []


def test_tokens_are_stored_only_as_a_digest(backend, make_user):
    user = make_user()
    stored = token_row(backend, user.id).token_hash
    assert user.token not in stored
    assert stored == passwords.sha256_hex(user.token)


@pytest.mark.parametrize("scheme", ["bearer", "api_password"])
def test_the_caller_made_once_follows_every_change_of_its_account(
    backend, http, make_user, catalog, monkeypatch, scheme
):
    """The caller's instances are kept while the account's rows are unchanged (security/
    caller.py): an unchanged account makes none anew, and a change of its columns (roles,
    enabled), its preferences (timezone) or its teams shows in the very next request."""
    from horae.security import caller
    from horae.teams.models import TeamMember, team_projects
    from horae.users.models import UserPreference

    user = make_user(timezone="Europe/Berlin")
    work, restricted = catalog.work(), catalog.work()
    team = catalog.team(members=[])
    with backend.db.session() as session:
        session.execute(team_projects.insert().values(team_id=team.id, project_id=restricted.project.id))
    headers = bearer(user.token) if scheme == "bearer" else legacy(user.username, API_PASSWORD)
    made: list[int] = []
    original = caller._make_caller

    def counted(values: object, rows: object) -> object:
        made.append(1)
        return original(values, rows)  # type: ignore[arg-type]

    def begin_of_a_new_record() -> str:
        body = {
            "project": work.project.id,
            "activity": work.activity.id,
            "begin": "2024-01-10T09:00:00",
            "end": "2024-01-10T10:00:00",
        }
        answer = http.post("/api/timesheets", json=body, headers=headers)
        assert answer.status_code == 200, answer.text
        return str(answer.json()["begin"])

    def visible_projects() -> list[int]:
        answer = http.get("/api/projects", headers=headers)
        assert answer.status_code == 200, answer.text
        return [project["id"] for project in answer.json()]

    assert visible_projects() == [work.project.id]
    monkeypatch.setattr(caller, "_make_caller", counted)
    assert begin_of_a_new_record() == "2024-01-10T09:00:00+0100"
    assert http.get("/api/users", headers=headers).status_code == 403
    assert made == []
    with backend.db.session() as session:
        preference = session.scalars(
            select(UserPreference).where(UserPreference.user_id == user.id, UserPreference.name == "timezone")
        ).one()
        preference.value = "Asia/Tokyo"
    assert begin_of_a_new_record() == "2024-01-10T09:00:00+0900"
    with backend.db.session() as session:
        session.add(TeamMember(user_id=user.id, team_id=team.id, teamlead=False))
    assert sorted(visible_projects()) == sorted([work.project.id, restricted.project.id])
    with backend.db.session() as session:
        session.get(User, user.id).roles = ["ROLE_SUPER_ADMIN"]  # type: ignore[union-attr]
    assert http.get("/api/users", headers=headers).status_code == 200
    assert len(made) == 3
    with backend.db.session() as session:
        session.get(User, user.id).enabled = False  # type: ignore[union-attr]
    assert http.get("/api/ping", headers=headers).status_code in (401, 403)


def test_the_api_passwords_statement_is_rendered_once():
    """W10 of the benchmarks: the API password's statement (the account and its throttle
    failures) has no list parameter, whose values SQLAlchemy writes into the statement's text
    on every request, which the Bearer token's statement does not pay."""
    for statement in (authentication._by_login_with_failures(), authentication._by_token()):
        assert not statement.compile().post_compile_params


def test_two_databases_in_one_process_keep_their_callers_apart(tmp_path):
    """The kept callers belong to their `Database`: two databases served by one process count
    their generations apart, and the same value in both names different accounts."""
    from sqlalchemy import update

    from horae.catalog_cache import ACCOUNTS, Generation
    from horae.db import Database
    from horae.migrate import upgrade
    from horae.users.service import create_user

    found = []
    for name, padding in (("first", 0), ("second", 2)):
        db = Database(f"sqlite:///{tmp_path / name}.sqlite")
        try:
            upgrade(db.engine)
            with db.session() as session:
                for number in range(padding):  # the second database's anna has another id
                    create_user(
                        session, username=f"other{number}", email=f"o{number}@x.test", password=PASSWORD
                    )
                anna = create_user(
                    session,
                    username="anna",
                    email="anna@x.test",
                    password=PASSWORD,
                    api_password=API_PASSWORD,
                )
                session.flush()
                expected = anna.id
            with db.session() as session:
                session.execute(update(Generation).where(Generation.name == ACCOUNTS).values(value=7))
            throttle = authentication.FailureThrottle(db, limit=5, window_seconds=60)
            for _ in range(2):
                with db.session(write=False) as session:
                    user = authentication.authenticate_api_password(
                        session, throttle, "127.0.0.1", "anna", API_PASSWORD
                    )
                    found.append((user.id, expected))
        finally:
            db.dispose()
    assert [user_id for user_id, _ in found] == [expected for _, expected in found]
    assert found[0][0] != found[-1][0]
