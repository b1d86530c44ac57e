"""Requests released together from their own clients, for the concurrency tests."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from tests.factories.users import UserHandle

# (caller, method, url, JSON body)
Call = tuple[UserHandle, str, str, Any]


def in_parallel(calls: Sequence[Call]) -> list[httpx.Response]:
    """Sends each call from its own client, all released at once; answers in call order."""
    barrier = threading.Barrier(len(calls))

    def send(call: Call) -> httpx.Response:
        user, method, url, body = call
        with user.client() as client:
            client.get("/api/ping")  # connected and authenticated before the start
            barrier.wait()
            return client.request(method, url, json=body)

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(send, calls))
