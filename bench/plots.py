"""Plots of one benchmark run (PNG), drawn with matplotlib from the bench venv.

    bench/.cache/venv/bin/python bench/plots.py results.json out-dir/

Prints the path of every image it writes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

COLORS = {"horae": "#1e88e5", "floor": "#9e9e9e", "timetagger": "#f4511e"}


def _series(results: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(workload, server, figures by connections) for everything measured."""
    found = []
    for key, entry in results["workloads"].items():
        for server in ("horae", "floor"):
            if entry.get(server):
                found.append((key, server, entry[server]))
    tt = results.get("timetagger") or {}
    for key, label in (("list_week", "W1 week"), ("create", "W4")):
        if key in tt:
            found.append((label, "timetagger", tt[key]))
    return found


def throughput(results: dict[str, Any], out: Path) -> Path:
    series = _series(results)
    keys = list(dict.fromkeys(key for key, _server, _figures in series))
    servers = ["horae", "floor", "timetagger"]
    width = 0.27
    figure, axes = plt.subplots(figsize=(max(8, len(keys) * 0.9), 4.5))
    for index, server in enumerate(servers):
        values = []
        for key in keys:
            match = next((f for k, s, f in series if k == key and s == server), None)
            values.append((match["10"]["rps"] or 0) if match else 0)
        positions = [k + (index - 1) * width for k in range(len(keys))]
        axes.bar(positions, values, width, label=server, color=COLORS[server])
    axes.set_xticks(range(len(keys)))
    axes.set_xticklabels(keys, rotation=30, ha="right")
    axes.set_ylabel("requests per second (10 connections)")
    axes.set_yscale("log")
    axes.set_title(f"Throughput, {results['date']} ({results['size']})")
    axes.legend()
    figure.tight_layout()
    path = out / "throughput.png"
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def latency(results: dict[str, Any], out: Path) -> Path:
    rows = [(key, f) for key, server, f in _series(results) if server == "horae"]
    figure, axes = plt.subplots(figsize=(max(8, len(rows) * 0.9), 4.5))
    for offset, (connections, shade) in enumerate((("1", 0.55), ("10", 1.0))):
        p50 = [f[connections]["p50_ms"] or 0 for _key, f in rows]
        p99 = [f[connections]["p99_ms"] or 0 for _key, f in rows]
        positions = [i + (offset - 0.5) * 0.4 for i in range(len(rows))]
        axes.bar(
            positions, p99, 0.4, color=COLORS["horae"], alpha=0.35 * shade, label=f"p99, {connections} conn."
        )
        axes.bar(positions, p50, 0.4, color=COLORS["horae"], alpha=shade, label=f"p50, {connections} conn.")
    axes.set_xticks(range(len(rows)))
    axes.set_xticklabels([key for key, _f in rows], rotation=30, ha="right")
    axes.set_ylabel("latency, ms (log)")
    axes.set_yscale("log")
    axes.set_title(f"Horae latency, {results['date']} ({results['size']})")
    axes.legend(fontsize="small")
    figure.tight_layout()
    path = out / "latency.png"
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def main() -> None:
    results = json.loads(Path(sys.argv[1]).read_text())
    out = Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    if not _series(results):
        return
    for draw in (throughput, latency):
        print(draw(results, out))


if __name__ == "__main__":
    main()
