"""`horae backup PATH` and `horae restore PATH` for SQLite databases.

A backup is taken with SQLite's online backup API: one read transaction copies every page, so
the copy is consistent while the server keeps writing, and it includes what is still in the WAL.
The copy is a single self-contained file (rollback journal mode), checked with integrity_check
before it is renamed into place.

PostgreSQL and MariaDB have their own tools (pg_dump, mariadb-dump); see docs/operations.md.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from horae.cli import EXTRA_COMMANDS, CommandError
from horae.settings import Settings

SERVER_TOOLS = {
    "postgresql": "pg_dump and pg_restore (or psql)",
    "mysql": "mariadb-dump and mariadb",
    "mariadb": "mariadb-dump and mariadb",
}
SIDE_FILES = ("-wal", "-shm", "-journal")


def sqlite_file(database_url: str, action: str) -> Path:
    """The database file named by a SQLite URL; other backends are pointed to their own tools."""
    url = make_url(database_url)
    backend = url.get_backend_name()
    if backend != "sqlite":
        tools = SERVER_TOOLS.get(backend, "the database server's own tools")
        raise CommandError(
            f"'horae {action}' handles SQLite only; for {backend} use {tools} (see docs/operations.md)"
        )
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise CommandError(f"'horae {action}' needs a SQLite database file, not {url.database or 'memory'!r}")
    return Path(url.database)


def _connect(path: Path, timeout: float = 30.0) -> sqlite3.Connection:
    return sqlite3.connect(path, timeout=timeout, isolation_level=None)


def integrity_problems(connection: sqlite3.Connection) -> list[str]:
    """What `PRAGMA integrity_check` and `foreign_key_check` report; empty when the file is sound."""
    rows = [row[0] for row in connection.execute("PRAGMA integrity_check")]
    problems = [] if rows == ["ok"] else rows
    for table, rowid, parent, _ in connection.execute("PRAGMA foreign_key_check"):
        problems.append(f"row {rowid} of {table} points to a missing row of {parent}")
    return problems


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _temporary_beside(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def _copy_database(source: sqlite3.Connection, target: Path, journal_mode: str) -> None:
    """Copies `source` into a new file at `target` (via a checked temporary file and a rename)."""
    temporary = _temporary_beside(target)
    for suffix in ("", *SIDE_FILES):
        Path(f"{temporary}{suffix}").unlink(missing_ok=True)
    try:
        with closing(_connect(temporary)) as copy:
            # pages=-1: every page in one step, hence one read transaction and one snapshot.
            source.backup(copy, pages=-1)
            copy.execute(f"PRAGMA journal_mode={journal_mode}")
            problems = integrity_problems(copy)
            if problems:
                raise CommandError(f"the copy failed its integrity check: {problems[0]}")
        _fsync(temporary)
        os.replace(temporary, target)
        _fsync(target.parent)
    finally:
        for suffix in ("", *SIDE_FILES):
            Path(f"{temporary}{suffix}").unlink(missing_ok=True)


def backup_sqlite(database: Path, target: Path, overwrite: bool = False) -> int:
    """Writes a consistent copy of the live `database` to `target`; returns its size in bytes."""
    if not database.is_file():
        raise CommandError(f"there is no database at {database}")
    if target.resolve() == database.resolve():
        raise CommandError("the backup cannot replace the database itself")
    if target.exists() and not overwrite:
        raise CommandError(f"{target} exists already (use --force to replace it)")
    target.parent.mkdir(parents=True, exist_ok=True)
    with closing(_connect(database)) as source:
        _copy_database(source, target, journal_mode="DELETE")
    return target.stat().st_size


def _check_backup(backup: Path) -> sqlite3.Connection:
    if not backup.is_file():
        raise CommandError(f"there is no backup at {backup}")
    connection: sqlite3.Connection | None = None
    try:
        connection = sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
        problems = integrity_problems(connection)
        has_version = connection.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        ).fetchone()[0]
    except sqlite3.DatabaseError as exc:
        if connection is not None:
            connection.close()
        raise CommandError(f"{backup} is not a readable SQLite database: {exc}") from exc
    if problems:
        connection.close()
        raise CommandError(f"{backup} failed its integrity check: {problems[0]}")
    if not has_version:
        connection.close()
        raise CommandError(f"{backup} is not a Horae database (it has no alembic_version table)")
    return connection


def _claim(database: Path) -> None:
    """Refuses a database that some process has open.

    A connection in WAL mode holds a shared lock for as long as it is open, so an exclusive lock
    that cannot be had means a server (or any other program) is using the file. Closing the probe,
    the last connection, checkpoints the WAL into the file and removes the -wal and -shm files.
    A file SQLite cannot read at all is not in use by a server and may be replaced.
    """
    probe = sqlite3.connect(database, timeout=0, isolation_level=None)
    try:
        probe.execute("PRAGMA locking_mode=EXCLUSIVE")
        probe.execute("BEGIN EXCLUSIVE")
        probe.execute("SELECT count(*) FROM sqlite_master").fetchone()
        probe.execute("COMMIT")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise CommandError(f"{database} is in use: stop the server before restoring") from exc
    except sqlite3.DatabaseError:
        pass
    finally:
        probe.close()


def restore_sqlite(backup: Path, database: Path, now: datetime | None = None) -> Path | None:
    """Replaces `database` by the backup; returns where the previous database was kept, if any."""
    if backup.resolve() == database.resolve():
        raise CommandError("the backup is the database itself")
    with closing(_check_backup(backup)) as source:
        kept: Path | None = None
        if database.exists():
            _claim(database)
            stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
            kept = database.with_name(f"{database.name}.pre-restore-{stamp}")
            # The side files move with the file they belong to: a -wal left beside the new
            # file would be replayed into it.
            for suffix in ("", *SIDE_FILES):
                side = Path(f"{database}{suffix}")
                if side.exists():
                    os.replace(side, Path(f"{kept}{suffix}"))
        else:
            database.parent.mkdir(parents=True, exist_ok=True)
        _copy_database(source, database, journal_mode="WAL")
    with closing(_connect(database)) as restored:
        problems = integrity_problems(restored)
    if problems:
        raise CommandError(f"the restored database failed its integrity check: {problems[0]}")
    return kept


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    database = sqlite_file(settings.database_url, "backup")
    size = backup_sqlite(database, Path(args.path), overwrite=args.force)
    print(f"Wrote a backup of {database} to {args.path} ({size} bytes).")
    return 0


def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    database = sqlite_file(settings.database_url, "restore")
    kept = restore_sqlite(Path(args.path), database)
    print(f"Restored {database} from {args.path}.")
    if kept is not None:
        print(f"The previous database was kept as {kept}.")
    print("Run 'horae migrate' (or start the server) to bring an older backup up to date.")
    return 0


def register(commands: Any) -> None:
    backup = commands.add_parser("backup", help="write a consistent copy of the SQLite database to PATH")
    backup.add_argument("path", help="the file to write")
    backup.add_argument("--force", action="store_true", help="replace PATH if it exists")
    backup.set_defaults(handler=cmd_backup)
    restore = commands.add_parser(
        "restore", help="replace the SQLite database by the backup at PATH (stop the server first)"
    )
    restore.add_argument("path", help="a file written by 'horae backup'")
    restore.set_defaults(handler=cmd_restore)


EXTRA_COMMANDS.append(register)
