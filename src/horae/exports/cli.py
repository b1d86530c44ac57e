"""`horae export`: a filtered timesheet export written to a file, with a progress bar on stderr.

Without `--as` the export runs as the operator, who sees every record (whoever runs the command
already holds the database credentials); with `--as USERNAME` it gets exactly what that user
would get from the API. The file appears only once complete (written beside it, then renamed).
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from horae.api.params import ascii_digits
from horae.cli import EXTRA_COMMANDS, CommandError
from horae.db import Database
from horae.exports.formatting import parse_locale
from horae.exports.writers import FORMATS
from horae.settings import Settings


def _operator() -> Any:
    """An acting user that holds every permission and belongs to no team (never stored)."""
    from horae.security.matrix import ALL_PERMISSIONS
    from horae.security.permissions import ROLE_SUPER_ADMIN, Actor
    from horae.users.models import User

    user = User(
        id=0, username="horae-cli", email="horae-cli@localhost", roles=[ROLE_SUPER_ADMIN], enabled=True
    )
    user.preferences = []
    user.memberships = []
    return Actor(user, frozenset(ALL_PERMISSIONS), via="cli")


def _local_bound(value: str | None, end: bool) -> str | None:
    """YYYY-MM-DD (the whole day) or YYYY-MM-DDTHH:MM[:SS] as the API's strict local time."""
    if value is None:
        return None
    if len(value) == 10:
        return f"{value}T23:59:59" if end else f"{value}T00:00:00"
    if len(value) == 16:
        return f"{value}:00"
    return value


def _query(args: argparse.Namespace, user_ids: list[int]) -> Any:
    from horae.exports.query import QueryValues

    pairs: list[tuple[str, str]] = [("users[]", str(u)) for u in user_ids]
    for option, name in (
        ("customer", "customers[]"),
        ("project", "projects[]"),
        ("activity", "activities[]"),
    ):
        pairs += [(name, str(v)) for v in getattr(args, option) or []]
    pairs += [("tags[]", tag) for tag in args.tag or []]
    for name, value in (("begin", _local_bound(args.begin, False)), ("end", _local_bound(args.end, True))):
        if value is not None:
            pairs.append((name, value))
    for name in ("exported", "billable", "active"):
        value = getattr(args, name)
        if value is not None:
            pairs.append((name, "1" if value == "yes" else "0"))
    if args.term:
        pairs.append(("term", args.term))
    pairs += [("orderBy", args.order_by), ("order", args.order)]
    return QueryValues(pairs)


def _resolve_users(session: Any, names: list[str]) -> list[int]:
    from sqlalchemy import or_, select

    from horae.users.models import User

    ids: list[int] = []
    for name in names:
        condition = User.username == name
        if ascii_digits(name):
            condition = or_(condition, User.id == int(name))
        found = session.scalar(select(User.id).where(condition))
        if found is None:
            raise CommandError(f"unknown user {name!r}")
        ids.append(int(found))
    return ids


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from horae.exports.query import parse_export_filter
    from horae.exports.service import ExportRequest, count_export, prepare_export, run_export
    from horae.security.permissions import Actor
    from horae.users.service import get_user_by_name

    output = Path(args.output)
    if not output.parent.is_dir():
        raise CommandError(f"the folder {str(output.parent)!r} does not exist")
    if args.timezone is not None:
        try:
            ZoneInfo(args.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise CommandError(f"unknown timezone {args.timezone!r}") from exc
    if args.locale is not None and parse_locale(args.locale) is None:
        raise CommandError(f"unknown locale {args.locale!r}")
    columns = tuple(c.strip() for c in args.columns.split(",") if c.strip()) if args.columns else None
    db = Database(settings.database_url)
    try:
        with db.session(write=False) as session:
            actor = (
                Actor.load(session, get_user_by_name(session, args.acting), via="cli")
                if args.acting
                else _operator()
            )
            criteria = parse_export_filter(
                session, actor, _query(args, _resolve_users(session, args.user or [])), timezone=args.timezone
            )
            request = ExportRequest(
                format=args.format,
                filter=criteria,
                columns=columns,
                mark_exported=args.mark_exported,
                locale=args.locale,
            )
            prepared = prepare_export(session, actor, request)
            total = count_export(session, prepared)

        console = Console(stderr=True)
        written = 0
        progress = Progress(
            TextColumn("Exporting"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            disable=args.quiet,
        )
        task = progress.add_task("export", total=total)

        def advance(rows: int) -> None:
            nonlocal written
            written += rows
            progress.update(task, completed=written)

        handle, temporary = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
        try:
            with progress, os.fdopen(handle, "wb") as out:
                for chunk in run_export(db, prepared, on_rows=advance):
                    out.write(chunk)
                progress.update(task, completed=written)
            os.replace(temporary, output)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    finally:
        db.dispose()
    marked = " and marked them as exported" if args.mark_exported else ""
    print(f"Exported {written} rows to {output}{marked}.")
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    export = commands.add_parser(
        "export",
        help="export filtered timesheets as CSV, XLSX, PDF or HTML",
        description="Exports timesheets with the filters of GET /api/timesheets.",
    )
    export.add_argument("--format", required=True, choices=sorted(FORMATS))
    export.add_argument("--output", required=True, metavar="FILE", help="the file to write")
    export.add_argument("--as", dest="acting", metavar="USERNAME", help="export what this user may see")
    export.add_argument(
        "--user", action="append", metavar="NAME_OR_ID", help="only this user's records (repeatable)"
    )
    export.add_argument("--customer", action="append", type=int, metavar="ID")
    export.add_argument("--project", action="append", type=int, metavar="ID")
    export.add_argument("--activity", action="append", type=int, metavar="ID")
    export.add_argument("--tag", action="append", metavar="NAME", help="records with any of these tags")
    export.add_argument(
        "--begin", metavar="DATE[THH:MM[:SS]]", help="records beginning at or after (local time)"
    )
    export.add_argument(
        "--end", metavar="DATE[THH:MM[:SS]]", help="records beginning at or before (local time)"
    )
    export.add_argument("--timezone", help="timezone of --begin/--end (default: the acting user's)")
    export.add_argument("--exported", choices=("yes", "no"))
    export.add_argument("--billable", choices=("yes", "no"))
    export.add_argument("--active", choices=("yes", "no"), help="yes: running records only, no: stopped only")
    export.add_argument("--term", help="search as the list does: words, !word, name:value on custom fields")
    export.add_argument("--order-by", default="begin", choices=("id", "begin", "end", "rate"))
    export.add_argument("--order", default="ASC", choices=("ASC", "DESC"))
    export.add_argument(
        "--columns", help="comma-separated columns, e.g. date,begin,end,duration,meta.location"
    )
    export.add_argument("--locale", help="locale for dates, numbers and money (default: the acting user's)")
    export.add_argument("--mark-exported", action="store_true", help="mark the exported records as exported")
    export.add_argument("--quiet", action="store_true", help="no progress bar")
    export.set_defaults(handler=cmd_export)


EXTRA_COMMANDS.append(register)
