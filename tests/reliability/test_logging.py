"""Structured logs: JSON lines, a request id on every request, and no credential in any line."""

from __future__ import annotations

import io
import logging
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from fastapi import APIRouter

from horae.app import create_app
from horae.logging import JsonFormatter, redact_query, redact_text
from horae.settings import Settings
from tests.factories.users import API_PASSWORD, PASSWORD
from tests.http import http_get
from tests.reliability.conftest import API_PASSWORD as LOADER_API_PASSWORD
from tests.reliability.conftest import LOGIN_PASSWORD as LOADER_LOGIN_PASSWORD
from tests.reliability.conftest import FreshDatabase
from tests.reliability.servers import HoraeProcess, app_server

GENERATED_ID = re.compile(r"[0-9a-f]{32}")


class CapturedLogs:
    """What the `horae` loggers wrote, formatted as in production."""

    def __init__(self) -> None:
        self.stream = io.StringIO()

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def records(self) -> list[dict[str, object]]:
        return [orjson.loads(line) for line in self.text.splitlines() if line.strip()]

    def wait_for(
        self, request_id: str, logger: str = "horae.access", timeout: float = 5
    ) -> dict[str, object]:
        """The line of one request; the access line is written just after the answer has left."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for record in self.records():
                if record.get("request_id") == request_id and record["logger"] == logger:
                    return record
            time.sleep(0.01)
        raise AssertionError(f"no {logger} line for {request_id}: {self.text}")


@pytest.fixture
def logs() -> Iterator[CapturedLogs]:
    captured = CapturedLogs()
    handler = logging.StreamHandler(captured.stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("horae")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield captured
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


# --- request ids ---------------------------------------------------------------------------


def test_every_answer_carries_a_generated_request_id(http):
    first = http.get("/api/ping")
    second = http.get("/api/ping")
    assert first.status_code == 401
    assert GENERATED_ID.fullmatch(first.headers["x-request-id"])
    assert GENERATED_ID.fullmatch(second.headers["x-request-id"])
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


def test_a_sane_incoming_request_id_is_kept(http):
    response = http.get("/health/live", headers={"X-Request-ID": "edge-7f3a:req.12_b"})
    assert response.headers["x-request-id"] == "edge-7f3a:req.12_b"


@pytest.mark.parametrize(
    "incoming", ["x" * 129, "two words", "<script>", "-leading-dash", "a;b=c", "", "tab\tinside"]
)
def test_an_unusable_incoming_request_id_is_replaced(http, incoming):
    response = http.get("/health/live", headers={"X-Request-ID": incoming})
    assert GENERATED_ID.fullmatch(response.headers["x-request-id"])


# --- the access line -----------------------------------------------------------------------


def test_access_line_reports_the_request_and_the_user(make_user, http, logs):
    user = make_user()
    response = http.get("/api/ping?size=5&page=2", headers={**user.headers, "X-Request-ID": "access-line-1"})
    assert response.status_code == 200
    record = logs.wait_for("access-line-1")
    assert set(record) == {
        "time",
        "level",
        "logger",
        "message",
        "pid",
        "request_id",
        "method",
        "path",
        "query",
        "status",
        "duration_ms",
        "user_id",
        "client",
    }
    assert record["level"] == "info"
    assert record["message"] == "GET /api/ping 200"
    assert (record["method"], record["path"], record["query"], record["status"]) == (
        "GET",
        "/api/ping",
        "size=5&page=2",
        200,
    )
    assert record["user_id"] == user.id
    assert record["client"] == "127.0.0.1"
    assert isinstance(record["duration_ms"], float) and record["duration_ms"] >= 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", str(record["time"]))


def test_access_line_of_an_anonymous_request_has_no_user(http, logs):
    http.get("/api/ping", headers={"X-Request-ID": "anonymous-1"})
    record = logs.wait_for("anonymous-1")
    assert record["status"] == 401
    assert "user_id" not in record
    assert "query" not in record


def test_health_checks_are_logged_at_debug_only(http, logs):
    http.get("/health/live", headers={"X-Request-ID": "health-1"})
    assert logs.wait_for("health-1")["level"] == "debug"


# --- credentials never reach the logs --------------------------------------------------------


def test_no_credential_reaches_the_logs(make_user, http, logs):
    user = make_user()
    secrets = {
        "token": user.token,
        "api password": API_PASSWORD,
        "login password": PASSWORD,
        "wrong bearer": "wrong-bearer-secret-1",
        "wrong api password": "wrong-api-password-secret-2",
        "cookie": "cookie-secret-value-3",
        "body password": "body-password-secret-4",
        "body token": "body-token-secret-5",
        "query token": "query-token-secret-6",
        "query password": "query-password-secret-7",
    }
    requests = [
        ("GET", "/api/ping", {"Authorization": f"Bearer {user.token}"}, None),
        ("GET", "/api/ping", {"Authorization": f"Bearer {secrets['wrong bearer']}"}, None),
        ("GET", "/api/ping", user.legacy_headers, None),
        (
            "GET",
            "/api/ping",
            {"X-AUTH-USER": user.username, "X-AUTH-TOKEN": secrets["wrong api password"]},
            None,
        ),
        ("GET", "/api/ping", {"Cookie": f"horae_session={secrets['cookie']}"}, None),
        (
            "POST",
            "/api/users",
            user.headers,
            {"plainPassword": secrets["body password"], "plainApiToken": secrets["body token"]},
        ),
        (
            "GET",
            f"/api/ping?token={secrets['query token']}&password={secrets['query password']}"
            f"&X-AUTH-TOKEN={API_PASSWORD}&api_key={PASSWORD}",
            {},
            None,
        ),
    ]
    for number, (method, path, headers, body) in enumerate(requests):
        response = http.request(
            method, path, headers={**headers, "X-Request-ID": f"secret-{number}"}, json=body
        )
        assert response.status_code < 500
    for number in range(len(requests)):
        logs.wait_for(f"secret-{number}")
    leaked = [name for name, secret in secrets.items() if secret and secret in logs.text]
    assert leaked == []
    assert "[redacted]" in logs.text  # the query parameters are there, their values are not


def test_unexpected_error_is_a_kimai_500_with_request_id_and_a_redacted_log(backend, logs):
    failing = APIRouter()

    @failing.get("/api/probe/failure")
    def fail() -> None:
        raise RuntimeError("upstream refused Authorization: Bearer leaked-token-value-8")

    app = create_app(Settings(database_url=backend.url, environment="test"), db=backend.db)
    app.include_router(failing)
    with app_server(app) as base_url:
        response = http_get(
            f"{base_url}/api/probe/failure", headers={"X-Request-ID": "failure-1"}, timeout=30
        )
        access = logs.wait_for("failure-1")
    assert response.status_code == 500
    assert response.json() == {"code": 500, "message": "Internal Server Error"}
    assert response.headers["x-request-id"] == "failure-1"
    assert (access["status"], access["level"]) == (500, "error")
    error = logs.wait_for("failure-1", logger="horae.api")
    assert error["level"] == "error"
    assert "RuntimeError" in str(error["exception"])
    assert "leaked-token-value-8" not in logs.text


# --- the redaction rules -------------------------------------------------------------------


def test_query_values_of_credential_like_parameters_are_replaced():
    query = "token=abc&begin=2024-01-01T00:00:00&api_key=k1&user=3&X-AUTH-TOKEN=z&sessionId=s&tags[]=a"
    assert redact_query(query) == (
        "token=[redacted]&begin=2024-01-01T00:00:00&api_key=[redacted]&user=3"
        "&X-AUTH-TOKEN=[redacted]&sessionId=[redacted]&tags[]=a"
    )


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("Authorization: Bearer abc.def-123", "abc.def-123"),
        ("sent X-AUTH-TOKEN: s3cr3t to the server", "s3cr3t"),
        ("login with password=hunter2 failed", "hunter2"),
        ('{"plainPassword": "hunter2", "username": "anna"}', "hunter2"),
        ("cookie=horae_session_value", "horae_session_value"),
    ],
)
def test_credentials_in_free_text_are_replaced(text, secret):
    redacted = redact_text(text)
    assert secret not in redacted
    assert "[redacted]" in redacted


def test_formatter_redacts_exception_text():
    try:
        raise ValueError("token=exception-secret-9")
    except ValueError:
        record = logging.LogRecord("horae.test", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    line = JsonFormatter().format(record)
    assert "exception-secret-9" not in line
    assert orjson.loads(line)["exception"].endswith("ValueError: token=[redacted]")


# --- `horae serve` writes these lines -------------------------------------------------------


@pytest.mark.parametrize("fresh_database", ["sqlite"], indirect=True)
def test_serve_writes_only_json_lines_with_its_own_access_log(fresh_database: FreshDatabase, tmp_path: Path):
    server = HoraeProcess(fresh_database.url, tmp_path)
    try:
        server.start()
        headers = {"Authorization": f"Bearer {fresh_database.token}", "X-Request-ID": "served-1"}
        assert http_get(f"{server.base_url}/api/ping?token=abc", headers=headers).status_code == 200
        legacy = {"X-AUTH-USER": "loader", "X-AUTH-TOKEN": LOADER_API_PASSWORD, "X-Request-ID": "served-2"}
        assert http_get(f"{server.base_url}/api/ping", headers=legacy).status_code == 200
        deadline = time.monotonic() + 5
        while "served-2" not in server.stderr() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        server.stop()
    records = server.log_records()
    access = [record for record in records if record["logger"] == "horae.access"]
    assert [(r["request_id"], r["status"], r["user_id"]) for r in access if r["path"] == "/api/ping"] == [
        ("served-1", 200, 1),
        ("served-2", 200, 1),
    ]
    assert not [record for record in records if record["logger"] == "uvicorn.access"]
    assert any(record["message"] == "Application startup complete." for record in records)
    output = server.stdout() + server.stderr()
    for secret in (fresh_database.token, LOADER_API_PASSWORD, LOADER_LOGIN_PASSWORD):
        assert secret not in output
