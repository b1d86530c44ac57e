"""Two revisions of Horae served side by side: server CPU time per request, alternated.

    .venv/bin/python bench/ab.py --base <revision> --path "/api/timesheets?size=50" \
        [--user plain|lead|admin] [--auth bearer|password|web] [--rounds 16] [--connections 1] \
        [--seconds 2] [--size full|small]

    .venv/bin/python bench/ab.py --base <revision> --workload W4 [--rounds 16]

The base revision is checked out into a worktree under bench/.cache/ab/ and served with this
checkout's environment (its `src` first on the path); the working tree is served as it is. Both
run `horae serve` on one copy of the benchmark dataset, pinned to the same CPU, and wrk (on the
other CPU) sends the same request to each in turn, in short runs in alternating order. The figure
is the server's CPU time (utime + stime from /proc) over the requests it answered: on a shared
host, whose speed drifts by tens of percent within minutes, CPU time is what drifts least, and
each pair of runs sees the same machine. `--path` measures a GET; `--workload` sends one of
`make bench`'s workloads as it does (W3's start and stop, W4's create), and a workload that
writes gives each server a copy of its own, so that both write into the same data.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import (
    CACHE,
    HORAE,
    ROOT,
    WORKLOADS,
    Request,
    Server,
    _in_turn,
    _today,
    discover,
    ensure_dataset,
    ensure_wrk,
    free_port,
    run_wrk,
    sign_in,
    sizes,
)


def worktree(revision: str) -> Path:
    """A checkout of `revision` under bench/.cache/ab/, made once per commit."""
    commit = subprocess.run(
        ["git", "rev-parse", "--verify", f"{revision}^{{commit}}"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    path = CACHE / "ab" / commit[:12]
    if not (path / "src" / "horae").is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "worktree", "add", "--detach", str(path), commit], cwd=ROOT, check=True)
    return path


def _copy(dataset: Path, name: str) -> str:
    """A fresh copy of the dataset under bench/.cache/ab/, as a database URL."""
    copy = CACHE / "ab" / name
    copy.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(dataset, copy)
    return f"sqlite:///{copy}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="the revision to compare the working tree with")
    request_kind = parser.add_mutually_exclusive_group(required=True)
    request_kind.add_argument("--path", help="the GET request, with its query")
    request_kind.add_argument("--workload", help="a workload of make bench, by key (W3, W4 …)")
    parser.add_argument("--user", choices=("plain", "lead", "admin"), default="plain")
    parser.add_argument("--auth", choices=("bearer", "password", "web"), default="bearer")
    parser.add_argument("--rounds", type=int, default=16)
    parser.add_argument("--connections", type=int, default=1)
    parser.add_argument("--seconds", type=int, default=2)
    parser.add_argument("--size", choices=("full", "small"), default="full")
    args = parser.parse_args(argv)

    workload = None
    if args.workload:
        workload = next((w for w in WORKLOADS if w.key == args.workload), None)
        if workload is None:
            raise SystemExit(f"no workload {args.workload}: {', '.join(w.key for w in WORKLOADS)}")
    size = sizes(_today())[args.size]
    dataset = ensure_dataset(f"load-{args.size}", size.spec, print)
    urls = {name: _copy(dataset.path, "horae.sqlite") for name in ("base", "working tree")}
    if workload is not None and workload.writes:
        urls["working tree"] = _copy(dataset.path, "horae-working-tree.sqlite")
    context = discover(urls["base"], dataset.credentials, size.spec.until)
    users = {"plain": context.plain[0], "lead": context.lead, "admin": context.admin}
    user = users[args.user]
    wrk = ensure_wrk(print)

    servers = {}
    for name, source in (("base", worktree(args.base) / "src"), ("working tree", ROOT / "src")):
        env = {**os.environ, "HORAE_DATABASE_URL": urls[name], "HORAE_ENVIRONMENT": "local"}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(source), env.get("PYTHONPATH")]))
        port = free_port()
        command = [str(HORAE), "serve", "--host", "127.0.0.1", "--port", str(port)]
        servers[name] = Server(f"ab-{name.replace(' ', '-')}", command, port, env, "/api/version")
    per_request: dict[str, list[float]] = {name: [] for name in servers}
    try:
        requests = {}
        for name, server in servers.items():
            server.start()
            if workload is not None:
                requests[name] = workload.candidates[0](context)
                continue
            with httpx.Client(base_url=server.base, timeout=60) as client:
                auth = context.legacy(user) if args.auth == "password" else context.bearer(user)
                if args.auth == "web":
                    signed_in = sign_in(client, user["username"], context.password)
                    if signed_in is None:
                        raise SystemExit(f"{name}: {user['username']} could not sign in")
                    auth = signed_in
                answer = client.get(args.path, headers=auth)
                if answer.status_code != 200:
                    raise SystemExit(f"{name}: {args.path} answered {answer.status_code}")
            requests[name] = Request("GET", [args.path], [auth])
        for index in range(args.rounds):
            for name in _in_turn(index, tuple(servers)):
                server = servers[name]
                server.wait_idle()
                before = server.cpu_seconds()
                figures = run_wrk(wrk, server.base, requests[name], args.connections, args.seconds)
                if figures["errors"]:
                    raise SystemExit(
                        f"{name}: {figures['errors']} requests failed: {figures.get('error_detail')}"
                    )
                if figures["requests"]:
                    per_request[name].append((server.cpu_seconds() - before) / figures["requests"] * 1000)
    finally:
        for server in servers.values():
            server.stop()

    base, new = per_request["base"], per_request["working tree"]
    for name, values in per_request.items():
        median = statistics.median(values)
        print(f"{name:>12}: {median:.2f} ms CPU per request (median of {len(values)} runs)")
    faster = sum(1 for old, ours in zip(base, new, strict=False) if ours < old)
    change = (statistics.median(new) / statistics.median(base) - 1) * 100
    print(f"working tree vs base: {change:+.1f} %, faster in {faster} of {min(len(base), len(new))} rounds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
