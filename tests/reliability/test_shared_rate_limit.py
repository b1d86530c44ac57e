"""The API-password failure limit is shared by all workers of one server.

`horae serve --workers 2` runs two processes behind one socket. Failures counted by either of
them must close the door for both: after the limit, every worker refuses even the right password.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.http import http_get
from tests.reliability.conftest import API_PASSWORD, FreshDatabase
from tests.reliability.servers import HoraeProcess

LIMIT = 3
# Failures count in fixed windows; one this long keeps the test away from a window boundary.
WINDOW_SECONDS = 10**8


def _ping(server: HoraeProcess, password: str) -> tuple[str, httpx.Response]:
    """One request on a connection of its own, so that the kernel may hand it to either worker."""
    request_id = f"probe-{uuid.uuid4().hex}"
    headers = {"X-AUTH-USER": "loader", "X-AUTH-TOKEN": password, "X-Request-ID": request_id}
    return request_id, http_get(f"{server.base_url}/api/ping", headers=headers, timeout=10)


def _workers_by_request(server: HoraeProcess, request_ids: set[str]) -> dict[str, int]:
    """Which worker process answered each request, read from the access lines."""
    deadline = time.monotonic() + 10
    while True:
        found = {
            str(record["request_id"]): int(record["pid"])  # type: ignore[call-overload]
            for record in server.log_records()
            if record.get("logger") == "horae.access" and record.get("request_id") in request_ids
        }
        if len(found) == len(request_ids) or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


@pytest.mark.slow
def test_failed_logins_counted_by_one_worker_lock_out_every_worker(
    fresh_database: FreshDatabase, tmp_path: Path
):
    server = HoraeProcess(
        fresh_database.url,
        tmp_path,
        workers=2,
        auth_failure_limit=str(LIMIT),
        auth_failure_window_seconds=str(WINDOW_SECONDS),
    )
    try:
        server.start()
        _, response = _ping(server, API_PASSWORD)
        assert response.status_code == 200

        for _ in range(LIMIT):
            _, response = _ping(server, "a-wrong-password")
            assert response.status_code == 403
            assert response.json() == {"message": "Invalid credentials"}

        refused: dict[str, httpx.Response] = {}
        workers: dict[str, int] = {}
        deadline = time.monotonic() + 60
        while len(set(workers.values())) < 2:
            assert time.monotonic() < deadline, "the second worker never answered"
            for _ in range(10):
                request_id, response = _ping(server, API_PASSWORD)
                refused[request_id] = response
            workers = _workers_by_request(server, set(refused))
        assert {response.status_code for response in refused.values()} == {429}
        assert {response.json()["message"] for response in refused.values()} == {"Too Many Requests"}
        assert all(int(response.headers["retry-after"]) > 0 for response in refused.values())
    finally:
        server.stop()
