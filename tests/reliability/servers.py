"""Running Horae for reliability tests: an app in a thread, or `horae serve` as a real process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import orjson
import uvicorn
from fastapi import FastAPI

from tests.conftest import _free_port, _Server
from tests.http import http_get


@contextmanager
def app_server(app: FastAPI) -> Iterator[str]:
    """Serves `app` over real HTTP on a loopback port; yields its base URL."""
    port = _free_port()
    server = _Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


class HoraeProcess:
    """`horae serve` in a child process, its log lines written to a file."""

    def __init__(self, database_url: str, log_dir: Path, workers: int = 1, **settings: str) -> None:
        self.database_url = database_url
        self.log_dir = log_dir
        self.workers = workers
        self.settings = settings
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, timeout: float = 60) -> None:
        self.starts += 1
        env = {
            **os.environ,
            "HORAE_DATABASE_URL": self.database_url,
            "HORAE_ENVIRONMENT": "test",
            **{f"HORAE_{name.upper()}": value for name, value in self.settings.items()},
        }
        stdout = open(self.log_dir / f"stdout-{self.starts}.log", "wb")  # noqa: SIM115
        stderr = open(self.log_dir / f"stderr-{self.starts}.log", "wb")  # noqa: SIM115
        command = [sys.executable, "-m", "horae.cli", "serve", "--port", str(self.port)]
        command += ["--workers", str(self.workers)]
        self.process = subprocess.Popen(command, env=env, stdout=stdout, stderr=stderr)
        stdout.close()
        stderr.close()
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                code = self.process.returncode
                raise RuntimeError(f"horae serve exited with {code}: {self.stderr()[-2000:]}")
            try:
                if http_get(f"{self.base_url}/health/ready", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"horae serve did not get ready: {self.stderr()[-2000:]}")

    def kill(self) -> None:
        """SIGKILL: no shutdown handler, no final checkpoint, no flush."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def stderr(self) -> str:
        return "".join(
            (self.log_dir / f"stderr-{n}.log").read_text(errors="replace") for n in range(1, self.starts + 1)
        )

    def stdout(self) -> str:
        return "".join(
            (self.log_dir / f"stdout-{n}.log").read_text(errors="replace") for n in range(1, self.starts + 1)
        )

    def log_records(self) -> list[dict[str, object]]:
        """Every log line written so far, parsed; a line that is not a JSON object fails the test."""
        records = []
        for line in self.stderr().splitlines():
            if line.strip():
                record = orjson.loads(line)
                assert isinstance(record, dict), line
                records.append(record)
        return records
