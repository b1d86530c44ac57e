"""`horae backup PATH` and `horae restore PATH`: consistent SQLite copies, safe replacement."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import select, text

from horae.backup import backup_sqlite, restore_sqlite
from horae.cli import CommandError
from horae.db import Database
from horae.migrate import upgrade
from horae.tags.models import Tag

HORAE = [sys.executable, "-m", "horae.cli"]


def horae(args: list[str], url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HORAE_DATABASE_URL": url}
    return subprocess.run([*HORAE, *args], env=env, capture_output=True, text=True, timeout=120)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def make_database(path: Path, tags: list[str]) -> None:
    db = Database(sqlite_url(path))
    try:
        upgrade(db.engine)
        with db.session() as session:
            session.add_all(Tag(name=name, visible=True) for name in tags)
    finally:
        db.dispose()


def read_tags(path: Path) -> dict[int, str]:
    with closing(sqlite3.connect(path)) as connection:
        return dict(connection.execute("SELECT id, name FROM tags ORDER BY id").fetchall())


def integrity(path: Path) -> list[str]:
    with closing(sqlite3.connect(path)) as connection:
        return [row[0] for row in connection.execute("PRAGMA integrity_check")]


class Writer:
    """Inserts one tag per transaction, as fast as it can, until stopped."""

    def __init__(self, path: Path) -> None:
        self.db = Database(sqlite_url(path))
        self.committed = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.is_set():
            with self.db.session() as session:
                session.add(Tag(name=f"written-{self.committed + 1}", visible=True))
            self.committed += 1

    def __enter__(self) -> Writer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=30)
        self.db.dispose()

    def wait_for(self, rows: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while self.committed < rows:
            assert time.monotonic() < deadline, "the writer is stuck"
            time.sleep(0.01)


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "live" / "horae.sqlite"
    path.parent.mkdir()
    make_database(path, ["first", "second"])
    yield path


def test_backup_taken_during_writes_restores_a_sound_copy_of_one_moment(database, tmp_path):
    backup = tmp_path / "backups" / "horae-backup.sqlite"
    restored = tmp_path / "restored" / "horae.sqlite"
    with Writer(database) as writer:
        writer.wait_for(200)
        before_backup = writer.committed
        result = horae(["backup", str(backup)], sqlite_url(database))
        writer.wait_for(writer.committed + 50)  # still writing after the backup
    assert result.returncode == 0, result.stderr
    assert f"to {backup}" in result.stdout

    result = horae(["restore", str(backup)], sqlite_url(restored))
    assert result.returncode == 0, result.stderr

    assert integrity(restored) == ["ok"]
    rows = read_tags(restored)
    source = read_tags(database)
    # One snapshot: every row committed before the backup, no gap, nothing that was not in the source.
    written = [name for name in rows.values() if name.startswith("written-")]
    assert len(written) >= before_backup
    assert written == [f"written-{n}" for n in range(1, len(written) + 1)]
    assert all(source[tag_id] == name for tag_id, name in rows.items())
    assert len(source) > len(rows)


def test_backup_is_one_self_contained_file(database, tmp_path):
    backup = tmp_path / "copy.sqlite"
    backup_sqlite(database, backup)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("copy")) == ["copy.sqlite"]
    with closing(sqlite3.connect(backup)) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert read_tags(backup) == {1: "first", 2: "second"}


def test_backup_includes_commits_still_in_the_wal(tmp_path):
    path = tmp_path / "horae.sqlite"
    make_database(path, ["first"])
    with closing(sqlite3.connect(path, isolation_level=None)) as connection:
        connection.execute("PRAGMA wal_autocheckpoint=0")
        connection.execute("INSERT INTO tags (name, visible) VALUES ('in-the-wal', 1)")
        assert (tmp_path / "horae.sqlite-wal").stat().st_size > 0
        backup_sqlite(path, tmp_path / "copy.sqlite")
    assert "in-the-wal" in read_tags(tmp_path / "copy.sqlite").values()


def test_backup_refuses_to_replace_a_file_unless_forced(database, tmp_path):
    backup = tmp_path / "copy.sqlite"
    backup.write_bytes(b"an older backup")
    result = horae(["backup", str(backup)], sqlite_url(database))
    assert result.returncode == 1
    assert result.stderr == f"horae: error: {backup} exists already (use --force to replace it)\n"
    assert backup.read_bytes() == b"an older backup"

    result = horae(["backup", "--force", str(backup)], sqlite_url(database))
    assert result.returncode == 0, result.stderr
    assert read_tags(backup) == {1: "first", 2: "second"}


def test_backup_of_a_missing_database_is_a_one_line_error(tmp_path):
    result = horae(["backup", str(tmp_path / "copy.sqlite")], sqlite_url(tmp_path / "none.sqlite"))
    assert result.returncode == 1
    assert result.stderr == f"horae: error: there is no database at {tmp_path / 'none.sqlite'}\n"
    assert not (tmp_path / "none.sqlite").exists()


def test_backup_cannot_overwrite_the_database_itself(database):
    with pytest.raises(CommandError, match="cannot replace the database itself"):
        backup_sqlite(database, database, overwrite=True)
    assert integrity(database) == ["ok"]


def test_restore_refuses_a_database_in_use(database, tmp_path):
    backup = tmp_path / "copy.sqlite"
    make_database(backup, ["from-the-backup"])
    db = Database(sqlite_url(database))
    try:
        with db.session(write=False) as session:
            session.execute(select(Tag.id)).all()
        # The pool keeps the connection open, as a running server does.
        with pytest.raises(CommandError, match="is in use: stop the server before restoring"):
            restore_sqlite(backup, database)
    finally:
        db.dispose()
    assert read_tags(database) == {1: "first", 2: "second"}


def test_restore_keeps_the_previous_database_beside_the_restored_one(database, tmp_path):
    backup = tmp_path / "copy.sqlite"
    make_database(backup, ["from-the-backup"])
    result = horae(["restore", str(backup)], sqlite_url(database))
    assert result.returncode == 0, result.stderr
    assert read_tags(database) == {1: "from-the-backup"}
    [kept] = [p for p in database.parent.iterdir() if ".pre-restore-" in p.name]
    assert f"The previous database was kept as {kept}." in result.stdout
    assert read_tags(kept) == {1: "first", 2: "second"}
    assert horae(["migrate"], sqlite_url(database)).stdout == "The database is up to date.\n"


def test_restore_after_a_crash_keeps_stale_wal_frames_away_from_the_restored_file(tmp_path):
    database = tmp_path / "horae.sqlite"
    make_database(database, ["first"])
    # A process dies right after a commit: its frames stay in the -wal file, not yet checkpointed.
    script = (
        "import os, sqlite3, sys\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "c.execute('PRAGMA journal_mode=WAL'); c.execute('PRAGMA wal_autocheckpoint=0')\n"
        "c.execute(\"INSERT INTO tags (name, visible) VALUES ('only-in-the-wal', 1)\")\n"
        "os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", script, str(database)], check=True, timeout=60)
    assert Path(f"{database}-wal").stat().st_size > 0
    backup = tmp_path / "copy.sqlite"
    make_database(backup, ["from-the-backup"])

    kept = restore_sqlite(backup, database)

    assert not Path(f"{database}-wal").exists()
    assert integrity(database) == ["ok"]
    assert read_tags(database) == {1: "from-the-backup"}
    assert kept is not None and read_tags(kept) == {1: "first", 2: "only-in-the-wal"}


def test_restore_into_a_new_path_creates_a_wal_database(database, tmp_path):
    target = tmp_path / "new" / "dir" / "horae.sqlite"
    assert restore_sqlite(database, target) is None
    with closing(sqlite3.connect(target)) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert read_tags(target) == {1: "first", 2: "second"}


def test_restore_refuses_a_file_that_is_not_a_sqlite_database(database, tmp_path):
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(os.urandom(8192))
    result = horae(["restore", str(junk)], sqlite_url(database))
    assert result.returncode == 1
    assert result.stderr.startswith(f"horae: error: {junk} is not a readable SQLite database")
    assert len(result.stderr.splitlines()) == 1
    assert read_tags(database) == {1: "first", 2: "second"}


def test_restore_refuses_a_sqlite_file_that_is_not_a_horae_database(database, tmp_path):
    other = tmp_path / "other.sqlite"
    with closing(sqlite3.connect(other)) as connection:
        connection.execute("CREATE TABLE notes (text TEXT)")
    with pytest.raises(CommandError, match="is not a Horae database"):
        restore_sqlite(other, database)
    assert read_tags(database) == {1: "first", 2: "second"}


def test_restore_refuses_a_missing_backup(database, tmp_path):
    with pytest.raises(CommandError, match="there is no backup at"):
        restore_sqlite(tmp_path / "none.sqlite", database)
    assert not (tmp_path / "none.sqlite").exists()


@pytest.mark.parametrize(
    ("url", "tool"),
    [
        ("postgresql+psycopg://horae@127.0.0.1:5432/horae", "pg_dump"),
        ("mysql+pymysql://horae@127.0.0.1:3306/horae", "mariadb-dump"),
    ],
)
@pytest.mark.parametrize("command", ["backup", "restore"])
def test_server_databases_are_pointed_to_their_own_tools(command, url, tool, tmp_path):
    result = horae([command, str(tmp_path / "dump.sql")], url)
    assert result.returncode == 1
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(f"horae: error: 'horae {command}' handles SQLite only")
    assert tool in result.stderr and "docs/operations.md" in result.stderr


def test_restored_database_serves_the_same_rows_through_sqlalchemy(database, tmp_path):
    backup = tmp_path / "copy.sqlite"
    backup_sqlite(database, backup)
    target = tmp_path / "restored.sqlite"
    restore_sqlite(backup, target)
    db = Database(sqlite_url(target))
    try:
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT name FROM tags ORDER BY id")).scalars().all() == [
                "first",
                "second",
            ]
    finally:
        db.dispose()
