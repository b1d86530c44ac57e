"""The `horae` command: serve, migrate, users, tokens, settings.

Every failure ends with one line on standard error and a non-zero status, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from horae.db import Database
from horae.errors import DomainError, NotFound, ValidationFailed
from horae.security.passwords import generate_password
from horae.settings import Settings, get_settings

# Other modules add sub-commands (demo data, export, backup) by appending a function here.
EXTRA_COMMANDS: list[Callable[[Any], None]] = []
# The modules that do so, imported when the parser is built (missing ones are skipped).
COMMAND_MODULES = ("horae.backup",)


class CommandError(Exception):
    """A failure reported to the operator as one line."""


def _database(settings: Settings) -> Database:
    return Database(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)


def _migrate(db: Database) -> None:
    from horae.migrate import upgrade

    upgrade(db.engine)


def bootstrap_admin(db: Database, out: Callable[[str], None] = print) -> None:
    """On an empty database, creates the super-admin `admin` and prints its secrets once."""
    from horae.users.models import User
    from horae.users.service import create_user

    with db.session() as session:
        if session.scalar(select(func.count()).select_from(User)):
            return
        password = generate_password(16)
        api_password = generate_password(24)
        create_user(
            session,
            username="admin",
            email="admin@example.com",
            password=password,
            api_password=api_password,
            roles=["ROLE_SUPER_ADMIN"],
        )
    out("Created the super-admin 'admin'. These secrets are shown only now:")
    out(f"  login password: {password}")
    out(f"  API password:   {api_password}  (X-AUTH-USER: admin, X-AUTH-TOKEN: this value)")


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from horae.logging import log_config

    db = _database(settings)
    _migrate(db)
    bootstrap_admin(db)
    db.dispose()
    print(f"Horae serves http://{args.host}:{args.port}", flush=True)
    uvicorn.run(
        "horae.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_config=log_config(settings.log_level),
        log_level=settings.log_level.lower(),
        # Horae writes its own access lines, with the request id and without credentials.
        access_log=False,
        proxy_headers=True,
    )
    return 0


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    db = _database(settings)
    _migrate(db)
    db.dispose()
    print("The database is up to date.")
    return 0


def cmd_user_create(args: argparse.Namespace, settings: Settings) -> int:
    from horae.users.service import create_user

    db = _database(settings)
    password = args.password or generate_password(16)
    with db.session() as session:
        create_user(
            session,
            username=args.username,
            email=args.email,
            password=password,
            roles=args.role or [],
            api_password=args.api_password,
            timezone=args.timezone,
            language=args.language,
        )
    print(f"Created user {args.username}.")
    if not args.password:
        print(f"Password: {password}")
    return 0


def cmd_user_list(args: argparse.Namespace, settings: Settings) -> int:
    from horae.users.models import User

    db = _database(settings)
    with db.session(write=False) as session:
        users = session.scalars(select(User).order_by(User.username)).all()
        print(f"{'id':>5}  {'username':<24} {'email':<32} {'enabled':<8} roles")
        for user in users:
            roles = ",".join(user.roles) or "ROLE_USER"
            enabled = "yes" if user.enabled else "no"
            print(f"{user.id:>5}  {user.username:<24} {user.email:<32} {enabled:<8} {roles}")
    return 0


def cmd_user_password(args: argparse.Namespace, settings: Settings) -> int:
    from horae.users.service import get_user_by_name, set_password

    password = args.password or generate_password(16)
    db = _database(settings)
    with db.session() as session:
        set_password(get_user_by_name(session, args.username), password)
    print(f"Changed the password of {args.username}.")
    if not args.password:
        print(f"Password: {password}")
    return 0


def cmd_user_enabled(args: argparse.Namespace, settings: Settings) -> int:
    from horae.users.service import get_user_by_name

    enabled = args.user_command == "enable"
    db = _database(settings)
    with db.session() as session:
        get_user_by_name(session, args.username).enabled = enabled
    print(f"{'Enabled' if enabled else 'Disabled'} {args.username}.")
    return 0


def cmd_token_create(args: argparse.Namespace, settings: Settings) -> int:
    from horae.users.service import create_access_token, get_user_by_name

    db = _database(settings)
    with db.session() as session:
        user = get_user_by_name(session, args.username)
        _, plain = create_access_token(session, user, args.name, args.expires)
    print(plain)
    return 0


def cmd_config_list(args: argparse.Namespace, settings: Settings) -> int:
    from horae.config.service import SETTINGS, load_config

    db = _database(settings)
    with db.session(write=False) as session:
        config = load_config(session)
        for name in SETTINGS:
            print(f"{name} = {config.raw(name)}")
    return 0


def cmd_config_set(args: argparse.Namespace, settings: Settings) -> int:
    from horae.config.service import set_config

    db = _database(settings)
    with db.session() as session:
        set_config(session, args.key, args.value)
    print(f"{args.key} = {args.value}")
    return 0


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD, got {value!r}") from exc


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    import horae.demo  # noqa: F401  (registers `horae demo` in EXTRA_COMMANDS)

    parser = _Parser(prog="horae", description="Horae, a time-tracking server speaking the Kimai API.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    serve = commands.add_parser("serve", help="apply pending migrations and serve HTTP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8001)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(handler=cmd_serve)

    commands.add_parser("migrate", help="apply pending database migrations").set_defaults(handler=cmd_migrate)

    user = commands.add_parser("user", help="manage users")
    user_commands = user.add_subparsers(dest="user_command", required=True, parser_class=_Parser)
    create = user_commands.add_parser("create", help="create a user")
    create.add_argument("username")
    create.add_argument("email")
    create.add_argument("--role", action="append", help="ROLE_TEAMLEAD, ROLE_ADMIN, ROLE_SUPER_ADMIN …")
    create.add_argument("--password")
    create.add_argument("--api-password")
    create.add_argument("--timezone")
    create.add_argument("--language")
    create.set_defaults(handler=cmd_user_create)
    user_commands.add_parser("list", help="list users").set_defaults(handler=cmd_user_list)
    password = user_commands.add_parser("password", help="set a new login password")
    password.add_argument("username")
    password.add_argument("--password", help="the new password (generated and printed when left out)")
    password.set_defaults(handler=cmd_user_password)
    for name in ("enable", "disable"):
        toggle = user_commands.add_parser(name, help=f"{name} a user")
        toggle.add_argument("username")
        toggle.set_defaults(handler=cmd_user_enabled)

    token = commands.add_parser("token", help="manage API access tokens")
    token_commands = token.add_subparsers(dest="token_command", required=True, parser_class=_Parser)
    token_create = token_commands.add_parser("create", help="create a Bearer token and print it once")
    token_create.add_argument("username")
    token_create.add_argument("--name", default="cli")
    token_create.add_argument("--expires", type=_iso_date, help="last valid day, YYYY-MM-DD")
    token_create.set_defaults(handler=cmd_token_create)

    config = commands.add_parser("config", help="system settings")
    config_commands = config.add_subparsers(dest="config_command", required=True, parser_class=_Parser)
    config_commands.add_parser("list", help="list settings").set_defaults(handler=cmd_config_list)
    config_set = config_commands.add_parser("set", help="change a setting")
    config_set.add_argument("key")
    config_set.add_argument("value")
    config_set.set_defaults(handler=cmd_config_set)

    for module_name in COMMAND_MODULES:
        try:
            importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
    for register in EXTRA_COMMANDS:
        register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = get_settings()
    except ValueError as exc:
        print(f"horae: error: invalid settings: {exc}".splitlines()[0], file=sys.stderr)
        return 2
    try:
        return int(args.handler(args, settings))
    except ValidationFailed as exc:
        print(f"horae: error: {exc.summary()}", file=sys.stderr)
        return 1
    except NotFound as exc:
        print(f"horae: error: not found: {exc}", file=sys.stderr)
        return 1
    except (DomainError, CommandError) as exc:
        print(f"horae: error: {exc}", file=sys.stderr)
        return 1
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc).splitlines()[0]
        print(f"horae: error: the database cannot be reached: {reason}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        print(f"horae: error: database error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    # `python -m horae.cli` runs this file as __main__; the command modules extend the
    # EXTRA_COMMANDS of the importable horae.cli, so that is the one to run.
    from horae.cli import main as horae_main

    sys.exit(horae_main())
