"""The cost of finding a request's route: the application with and without `index_inclusions`.

    .venv/bin/python bench/routing.py [--size full|small] [--rounds 600]

Both applications are built in this process on a copy of the benchmark dataset; the second one
has its routers' index taken off. Each round sends every request to both, in alternating order,
as an ASGI server would call the application (no HTTP parsing, no access log), and the figures
are the median time per request of each: a drifting machine slows both alike. The requests are
a plain user's, with a Bearer token.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import anyio
from fastapi import FastAPI
from fastapi.routing import _IncludedRouter

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import _today, discover, ensure_dataset, sizes, working_copy

from horae.api.routing import _IndexedInclusion
from horae.app import create_app
from horae.db import Database
from horae.settings import Settings

REQUESTS = {
    "GET /api/ping (the first route)": ("GET", "/api/ping", b""),
    "GET /api/tags/find (W9)": ("GET", "/api/tags/find", b"name={tag_term}"),
    "GET /api/timesheets (W1)": ("GET", "/api/timesheets", b"size=50"),
    "GET /api/timesheets/recent": ("GET", "/api/timesheets/recent", b""),
}


def application(db: Database, indexed: bool) -> FastAPI:
    app = create_app(Settings(database_url=db.url, environment="local"), db=db)
    if not indexed:
        for route in app.router.routes:
            if isinstance(route, _IndexedInclusion):
                route.__class__ = _IncludedRouter
    return app


async def timed(app: FastAPI, method: str, path: str, query: bytes, token: str) -> float:
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query,
        "headers": [(b"host", b"bench"), (b"authorization", f"Bearer {token}".encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("bench", 80),
    }
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    started = time.perf_counter()
    await app(scope, receive, send)
    seconds = time.perf_counter() - started
    if statuses != [200]:
        raise RuntimeError(f"{method} {path} answered {statuses}")
    return seconds


async def compare(apps: dict[str, FastAPI], token: str, tag_term: str, rounds: int) -> None:
    times: dict[tuple[str, str], list[float]] = {(r, a): [] for r in REQUESTS for a in apps}
    for index in range(rounds):
        for label, (method, path, query) in REQUESTS.items():
            names = list(apps) if index % 2 == 0 else list(apps)[::-1]
            for name in names:
                seconds = await timed(
                    apps[name], method, path, query.replace(b"{tag_term}", tag_term.encode()), token
                )
                times[(label, name)].append(seconds)
    print(f"{'request':<34} {'without µs':>11} {'indexed µs':>11} {'saved µs':>9} {'saved':>7}")
    for label in REQUESTS:
        plain = statistics.median(times[(label, "without")]) * 1e6
        indexed = statistics.median(times[(label, "indexed")]) * 1e6
        saved = plain - indexed
        print(f"{label:<34} {plain:>11.0f} {indexed:>11.0f} {saved:>9.0f} {saved / plain:>7.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=("full", "small"), default="full")
    parser.add_argument("--rounds", type=int, default=600)
    args = parser.parse_args()
    size = sizes(_today())[args.size]
    dataset = ensure_dataset(f"load-{args.size}", size.spec, print)
    url = working_copy(dataset)
    context = discover(url, dataset.credentials, size.spec.until)
    # The access lines would go to this terminal; the server writes them, the routing does not.
    logging.getLogger("horae.access").disabled = True
    db = Database(url)
    try:
        apps = {"without": application(db, indexed=False), "indexed": application(db, indexed=True)}
        token = context.plain[0]["token"]
        anyio.run(compare, apps, token, context.tag_term, args.rounds)
    finally:
        db.dispose()


if __name__ == "__main__":
    main()
