"""Instructions per request of two revisions, counted by valgrind's callgrind: a measure that the
host's speed does not move.

    .venv/bin/python bench/instructions.py --base <revision> --path /dashboard \
        [--user plain|lead|admin] [--auth bearer|password|web] [--requests 10] [--sql]

The application is made in process, as `bench/ab.py` serves it, on a copy of the benchmark
dataset, and called through ASGI directly: uvicorn's share is left out. Each revision runs twice
under callgrind, with a few requests and with `--requests` more after the same warm-up; the
difference over `--requests` is what one request executes, the start-up cancelling out. The
counted requests run with the garbage collector off (when it runs depends on the allocations
since its last run: a full collection would land in one of the two runs and not the other),
with a fixed hash seed, and after every module of the revision is compiled. `--sql` also counts
the request's SELECTs replayed on the driver, as W5 and W6 set Horae against them.

A shared host's speed drifts by tens of percent within minutes, and it stretches the Python of a
request more than SQLite's statements; the count does not drift. It weighs every instruction
alike, though: the interpreter's run at a fraction of the speed of SQLite's, so a change's share
of the count is not its share of the time.
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import gc
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ab import _copy, worktree
from run import ROOT, _today, discover, ensure_dataset, sign_in, sizes

PYTHON = ROOT / ".venv" / "bin" / "python"
# Requests before the counted ones: templates compiled, kept values read, pools filled.
WARM_UP = 5


def _scope(path: str, headers: dict[str, str]) -> dict[str, Any]:
    route, _, query = path.partition("?")
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": route,
        "raw_path": route.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1")] + [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }


async def _request(app: Any, path: str, headers: dict[str, str]) -> int:
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(_scope(path, headers), receive, send)
    return status


async def _serve(app: Any, path: str, headers: dict[str, str], count: int, replay: bool) -> None:
    """Starts the application, warms it up, then makes `count` requests (or replays the SELECTs
    of one request `count` times), and stops it."""
    started: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    stopping: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    await stopping.put({"type": "lifespan.startup"})
    lifespan = asyncio.create_task(
        app({"type": "lifespan", "asgi": {"version": "3.0"}}, stopping.get, started.put)
    )
    await started.get()
    for _ in range(WARM_UP):
        status = await _request(app, path, headers)
        if status != 200:
            raise SystemExit(f"{path} answered {status}")
    if replay:
        from run import StatementLog

        engine = app.state.db.engine
        log = StatementLog(engine)
        with log.recording() as statements:
            await _request(app, path, headers)
        selects = [s for s in statements if s[0].lstrip().upper().startswith(("SELECT", "WITH"))]
        raw = engine.raw_connection()
        cursor = raw.cursor()
    gc.collect()
    gc.disable()
    for _ in range(count):
        if replay:
            for statement, parameters, _many in selects:
                cursor.execute(statement, parameters)
                cursor.fetchall()
        else:
            await _request(app, path, headers)
    gc.enable()
    if replay:
        raw.close()
    await stopping.put({"type": "lifespan.shutdown"})
    await started.get()
    await lifespan


def child(args: argparse.Namespace) -> int:
    """One count's process (under callgrind): the revision on `sys.path` serves `args.path`."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from horae.app import create_app
    from horae.db import Database
    from horae.settings import Settings

    db = Database(args.url)
    app = create_app(Settings(database_url=args.url, environment="local"), db=db)
    headers: dict[str, str] = json.loads(args.headers)
    if args.sign_in:
        username, password = json.loads(args.sign_in)
        with TestClient(app) as client:
            signed_in = sign_in(client, username, password)  # type: ignore[arg-type]
        if signed_in is None:
            raise SystemExit(f"{username} could not sign in")
        headers = signed_in
    asyncio.run(_serve(app, args.path, headers, args.count, args.mode == "replay"))
    return 0


def _instructions(source: Path, url: str, args: argparse.Namespace, mode: str, count: int) -> int:
    """The instructions one child process executes, all of it (start-up included)."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "callgrind.out"
        command = [
            "valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
            str(PYTHON), __file__, "--child", "--url", url, "--path", args.path, "--mode", mode,
            "--count", str(count), "--headers", json.dumps(args.headers), "--sign-in", args.sign_in or "",
        ]  # fmt: skip
        env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": str(source)}
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"the count failed ({source}): {done.stderr.strip()[-2000:]}")
        for line in out.read_text().splitlines():
            if line.startswith(("totals:", "summary:")):
                return int(line.split()[1])
    raise SystemExit(f"callgrind wrote no totals ({source})")


def per_request(source: Path, url: str, args: argparse.Namespace, mode: str) -> float:
    """Instructions of one request (or one replay): two counts' difference over `--requests`."""
    compileall.compile_dir(str(source), quiet=1)
    few = _instructions(source, url, args, mode, 1)
    more = _instructions(source, url, args, mode, 1 + args.requests)
    return (more - few) / args.requests


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", help="the revision to compare the working tree with")
    parser.add_argument("--path", required=True, help="the GET request, with its query")
    parser.add_argument("--user", choices=("plain", "lead", "admin"), default="plain")
    parser.add_argument("--auth", choices=("bearer", "password", "web"), default="bearer")
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--size", choices=("full", "small"), default="full")
    parser.add_argument("--sql", action="store_true", help="also count the request's SELECTs replayed")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="request", help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--headers", default="{}", help=argparse.SUPPRESS)
    parser.add_argument("--sign-in", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args)

    size = sizes(_today())[args.size]
    dataset = ensure_dataset(f"load-{args.size}", size.spec, print)
    url = _copy(dataset.path, "horae-instructions.sqlite")
    context = discover(url, dataset.credentials, size.spec.until)
    user = {"plain": context.plain[0], "lead": context.lead, "admin": context.admin}[args.user]
    args.headers, args.sign_in = {}, None
    if args.auth == "web":
        args.sign_in = json.dumps([user["username"], context.password])
    else:
        args.headers = context.legacy(user) if args.auth == "password" else context.bearer(user)
    sources = [("working tree", ROOT / "src")]
    if args.base:
        sources.insert(0, ("base", worktree(args.base) / "src"))
    counted = {}
    for name, source in sources:
        counted[name] = per_request(source, url, args, "request")
        print(f"{name:>12}: {counted[name] / 1e6:.3f} M instructions per request", flush=True)
        if args.sql:
            replayed = per_request(source, url, args, "replay")
            print(f"{'':>12}  {replayed / 1e6:.3f} M for its SELECTs replayed on the driver", flush=True)
    if args.base:
        change = (counted["working tree"] / counted["base"] - 1) * 100
        print(f"working tree vs base: {change:+.2f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main())
