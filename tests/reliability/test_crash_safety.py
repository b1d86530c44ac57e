"""A server killed with SIGKILL in the middle of a write load loses no acknowledged write.

`horae serve` runs as a real process on a loopback port. A few threads create tags through the
API and remember every write the server acknowledged (200 with an id). The process is killed
while they write, started again on the same database, and every acknowledged row must be there;
SQLite must pass its integrity and foreign-key checks.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, text

from horae.tags.models import Tag
from tests.http import http_client
from tests.reliability.conftest import API_PASSWORD, LOGIN_PASSWORD, FreshDatabase
from tests.reliability.servers import HoraeProcess

WRITERS = 4
# The kill comes after this many acknowledged writes, or after the timeout on a busy machine,
# provided that at least MIN_WRITES got through.
WRITES_BEFORE_KILL = 150
MIN_WRITES = 20
LOAD_TIMEOUT_SECONDS = 20
CYCLES = 2


@dataclass
class WriteLoad:
    """Threads creating tags until told to stop or until the server stops answering."""

    base_url: str
    token: str
    cycle: int
    acknowledged: dict[int, str] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        for number in range(WRITERS):
            thread = threading.Thread(target=self._write, args=(number,), daemon=True)
            thread.start()
            self.threads.append(thread)

    def _write(self, writer: int) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        with http_client(base_url=self.base_url, headers=headers, timeout=10) as client:
            sequence = 0
            while not self.stop.is_set():
                sequence += 1
                name = f"crash-{self.cycle}-{writer}-{sequence}"
                try:
                    response = client.post("/api/tags", json={"name": name, "visible": True})
                except httpx.TransportError:
                    return  # the server is gone; this write was never acknowledged
                with self.lock:
                    if response.status_code == 200:
                        self.acknowledged[response.json()["id"]] = name
                    else:
                        # Any refusal fails the test; no point in writing on.
                        self.refused.append(f"{response.status_code} {response.text[:200]}")
                        self.stop.set()
                        return

    def count(self) -> int:
        with self.lock:
            return len(self.acknowledged)

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=15)
        assert not any(thread.is_alive() for thread in self.threads)


def _kill_during_load(server: HoraeProcess, fresh: FreshDatabase, cycle: int) -> dict[int, str]:
    load = WriteLoad(server.base_url, fresh.token, cycle)
    load.start()
    deadline = time.monotonic() + LOAD_TIMEOUT_SECONDS
    while load.count() < WRITES_BEFORE_KILL and time.monotonic() < deadline and not load.stop.is_set():
        time.sleep(0.01)
    # A random moment, so that the kill lands inside a transaction at some point of its life.
    time.sleep(random.uniform(0, 0.05))
    server.kill()
    load.finish()
    assert load.refused == []
    assert load.count() >= MIN_WRITES, "the load did not get going before the deadline"
    return load.acknowledged


def _stored_tags(fresh: FreshDatabase) -> dict[int, str]:
    db = fresh.open()
    try:
        with db.session(write=False) as session:
            return {tag_id: name for tag_id, name in session.execute(select(Tag.id, Tag.name))}
    finally:
        db.dispose()


def _assert_database_consistent(fresh: FreshDatabase) -> None:
    db = fresh.open()
    try:
        with db.engine.connect() as connection:
            if fresh.backend == "sqlite":
                assert connection.exec_driver_sql("PRAGMA integrity_check").scalars().all() == ["ok"]
                assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
                assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            # One row per name and per id: no half-applied insert, no duplicate from a retry.
            rows, ids, names = connection.execute(
                select(func.count(), func.count(Tag.id.distinct()), func.count(Tag.name.distinct()))
            ).one()
            assert rows == ids == names
            assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    finally:
        db.dispose()


@pytest.mark.slow
def test_acknowledged_writes_survive_sigkill_and_restart(fresh_database: FreshDatabase, tmp_path: Path):
    server = HoraeProcess(fresh_database.url, tmp_path)
    acknowledged: dict[int, str] = {}
    try:
        server.start()
        for cycle in range(1, CYCLES + 1):
            acknowledged.update(_kill_during_load(server, fresh_database, cycle))
            server.start()
            stored = _stored_tags(fresh_database)
            missing = {tag_id: name for tag_id, name in acknowledged.items() if stored.get(tag_id) != name}
            assert missing == {}, f"acknowledged but lost after SIGKILL (cycle {cycle})"
            _assert_database_consistent(fresh_database)
            # docs/reliability.md quotes these figures (pytest -s shows them).
            print(
                f"{fresh_database.backend}: SIGKILL cycle {cycle}: "
                f"{len(acknowledged)} acknowledged writes verified, lost: {len(missing)}"
            )

        # The restarted server goes on writing where the killed one stopped.
        with http_client(
            base_url=server.base_url, headers={"Authorization": f"Bearer {fresh_database.token}"}, timeout=10
        ) as client:
            response = client.post("/api/tags", json={"name": "after-the-crashes", "visible": True})
        assert response.status_code == 200
        assert response.json()["id"] > max(acknowledged)
    finally:
        server.stop()
    assert all(record["level"] != "error" for record in server.log_records())
    output = server.stdout() + server.stderr()
    for secret in (fresh_database.token, API_PASSWORD, LOGIN_PASSWORD):
        assert secret not in output
