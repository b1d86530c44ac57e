"""Health endpoints: liveness without the database, readiness with it; no credentials needed."""

from __future__ import annotations

from horae.app import create_app
from horae.db import Database
from horae.settings import Settings
from tests.http import http_client
from tests.reliability.servers import app_server

UNREACHABLE = "postgresql+psycopg://nobody@127.0.0.1:1/none"


def test_live_answers_ok_without_credentials(http):
    response = http.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["content-type"] == "application/json"


def test_live_does_not_touch_the_database(backend, http):
    counter = backend.count_queries()
    assert http.get("/health/live").status_code == 200
    assert len(counter) == 0


def test_ready_answers_ok_after_one_query(backend, http):
    counter = backend.count_queries()
    response = http.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    # SQLite's explicit BEGIN aside (see horae.db), the check is exactly one statement.
    assert [sql for sql in counter.statements if sql != "BEGIN"] == ["SELECT 1"]


def test_health_answers_are_never_cached(http):
    assert http.get("/health/live").headers["cache-control"] == "no-store"
    assert http.get("/health/ready").headers["cache-control"] == "no-store"


def test_ready_answers_503_with_a_reason_when_the_database_is_unreachable():
    db = Database(UNREACHABLE)
    app = create_app(Settings(database_url=UNREACHABLE, environment="test"), db=db)
    try:
        with app_server(app) as base_url, http_client(base_url=base_url, timeout=30) as client:
            ready = client.get("/health/ready")
            live = client.get("/health/live")
    finally:
        db.dispose()
    assert ready.status_code == 503
    assert ready.json() == {"status": "unavailable", "reason": "database unreachable"}
    assert live.status_code == 200
    assert live.json() == {"status": "ok"}


def test_health_endpoints_only_answer_get(http):
    assert http.post("/health/live").status_code == 405
    assert http.delete("/health/ready").status_code == 405
