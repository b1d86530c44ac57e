"""Who is calling: API passwords, Bearer access tokens, web sessions, and failure throttling."""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import bindparam, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from horae.catalog_cache import (
    ACCOUNTS,
    CATALOG,
    TIMESHEETS,
    UNWATCHED,
    generation_column,
    generation_key,
    keep,
    note_accounts_read,
)
from horae.db import Database, utcnow
from horae.security.caller import MADE_LIMIT, columns, kept_callers, load_caller
from horae.security.passwords import api_password_cache, sha256_hex
from horae.users.models import AccessToken, AuthFailure, User, WebSession

TOKEN_USAGE_RESOLUTION = timedelta(seconds=60)
# The accounts' generation read as a column of the caller's statement.
GENERATION = generation_key(ACCOUNTS)
# Throttle keys are stored (and looked up) at most this long.
KEY_LENGTH = 200


class AuthenticationError(Exception):
    """Credentials were presented and refused; `reason` is the text shown to the client."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class Throttled(Exception):
    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"retry after {retry_after}s")


# The statements of the hot paths are built once; each request only binds its values.
@cache
def _by_login() -> Any:
    login: Any = bindparam("login")
    return select(*columns(User)).where(or_(User.username == login, User.email == login)).limit(1)


@cache
def _by_token() -> Any:
    return (
        select(
            *columns(User),
            AccessToken.id.label("token_id"),
            AccessToken.expires_at.label("token_expires_at"),
            AccessToken.last_usage.label("token_last_usage"),
        )
        .join(User, AccessToken.user_id == User.id)
        .where(AccessToken.token_hash == bindparam("token_hash"))
    )


@cache
def _accounts_generation() -> Any:
    return select(generation_column(ACCOUNTS))


def _recent_failures() -> Any:
    """The failures counted against the caller's two throttle keys in the current window. The
    keys are two plain parameters: an expanding list would have SQLAlchemy render the
    statement's text again on every request."""
    return (
        select(func.max(AuthFailure.count))
        .where(
            AuthFailure.key.in_([bindparam("client_key"), bindparam("login_key")]),
            AuthFailure.window_start == bindparam("window"),
        )
        .scalar_subquery()
        .label("recent_failures")
    )


@cache
def _by_login_with_failures() -> Any:
    """The account of a login and, in the same statement, the throttle's failures and the
    accounts' generation (the API password's one round trip)."""
    login: Any = bindparam("login")
    return (
        select(*columns(User), _recent_failures(), generation_column(ACCOUNTS))
        .where(or_(User.username == login, User.email == login))
        .limit(1)
    )


@cache
def _failures_and_generation() -> Any:
    """The throttle's failures and the accounts' generation alone (a kept API password)."""
    return select(_recent_failures(), generation_column(ACCOUNTS))


def find_user_by_login(session: Session, login: str) -> User | None:
    """A user by username or e-mail (exact match on either), detached (see caller.py)."""
    row = session.connection().execute(_by_login(), {"login": login}).mappings().first()
    return load_caller(session, row) if row is not None else None


@dataclass
class FailureThrottle:
    """Fixed-window counters of failed logins, stored in the database so all workers share them."""

    db: Database
    limit: int
    window_seconds: int

    def window_of(self, now: datetime) -> datetime:
        start = math.floor(now.timestamp() / self.window_seconds) * self.window_seconds
        return datetime.fromtimestamp(start, UTC)

    def check(self, session: Session, keys: list[str]) -> None:
        now = utcnow()
        window = self.window_of(now)
        stored = [key[:KEY_LENGTH] for key in keys]
        counts = session.scalars(
            select(AuthFailure.count).where(AuthFailure.key.in_(stored), AuthFailure.window_start == window)
        ).all()
        self.refuse_over_limit(max(counts, default=0), window, now)

    def refuse_over_limit(self, failures: int | None, window: datetime, now: datetime) -> None:
        """Raises Throttled when `failures` in the window starting at `window` reach the limit."""
        if failures is not None and failures >= self.limit:
            retry = int((window + timedelta(seconds=self.window_seconds) - now).total_seconds()) + 1
            raise Throttled(max(retry, 1))

    def record_failure(self, keys: list[str]) -> None:
        window = self.window_of(utcnow())
        for key in keys:
            key = key[:KEY_LENGTH]
            with self.db.session() as session:
                result = session.execute(
                    update(AuthFailure)
                    .where(AuthFailure.key == key, AuthFailure.window_start == window)
                    .values(count=AuthFailure.count + 1)
                )
                if not getattr(result, "rowcount", 0):
                    try:
                        with session.begin_nested():
                            session.add(AuthFailure(key=key, window_start=window, count=1))
                    except IntegrityError:
                        session.execute(
                            update(AuthFailure)
                            .where(AuthFailure.key == key, AuthFailure.window_start == window)
                            .values(count=AuthFailure.count + 1)
                        )
        with self.db.session() as session:
            session.execute(
                delete(AuthFailure).where(
                    AuthFailure.window_start < window - timedelta(seconds=self.window_seconds)
                )
            )

    def reset(self, session: Session) -> None:
        session.execute(delete(AuthFailure))


# Accounts signed in by API password are kept by a keyed digest of the login and the password
# (no password stays in memory), with the accounts' generation then (`KeptCallers.passwords`).
_kept_password_key = secrets.token_bytes(32)


def _password_digest(login: str, secret: str) -> bytes:
    return hmac.new(_kept_password_key, f"{login}\x00{secret}".encode(), hashlib.sha256).digest()


def authenticate_api_password(
    session: Session, throttle: FailureThrottle, client: str, login: str, secret: str
) -> User:
    """The legacy X-AUTH-USER / X-AUTH-TOKEN scheme.

    An account once signed in is kept with its login and password (as a keyed digest) while the
    accounts' generation is unchanged: the login still names it, its stored hash and its state
    are the ones verified. A request then reads the throttle's failures and the generation
    alone; the throttle refuses as before."""
    if not login:
        raise AuthenticationError("Authentication required, missing user header: X-AUTH-USER")
    keys = [key[:KEY_LENGTH] for key in (f"ip:{client}", f"user:{login.lower()}")]
    if not secret:
        throttle.check(session, keys)
        # An empty password is a failed guess too (Kimai counts it toward the limit).
        throttle.record_failure(keys)
        raise AuthenticationError("Authentication required, missing token header: X-AUTH-TOKEN")
    now = utcnow()
    window = throttle.window_of(now)
    values = {"client_key": keys[0], "login_key": keys[1], "window": window}
    connection = session.connection()
    digest = _password_digest(login, secret)
    kept_passwords = kept_callers(session).passwords
    kept = kept_passwords.get(digest)
    if kept is not None:
        failures, current = connection.execute(_failures_and_generation(), values).one()
        note_accounts_read(session, current)
        if current == kept[0]:
            throttle.refuse_over_limit(failures, window, now)
            return kept[1]
    row = connection.execute(_by_login_with_failures(), {**values, "login": login}).mappings().first()
    if row is None:
        # No such account: the guess still counts, and the throttle still applies.
        throttle.check(session, keys)
        user = None
    else:
        note_accounts_read(session, row[GENERATION])
        throttle.refuse_over_limit(row["recent_failures"], window, now)
        user = load_caller(session, row, row[GENERATION])
    ok = api_password_cache.verify(user.api_password_hash if user else None, secret)
    if user is None or not ok or not user.enabled:
        throttle.record_failure(keys)
        raise AuthenticationError("Invalid credentials")
    if row is not None and row[GENERATION] is not None:
        keep(kept_passwords, digest, (row[GENERATION], user), MADE_LIMIT)
    return user


@dataclass
class _KeptToken:
    """An access token as last read, with its account, under the accounts' generation then
    (None: its counter is missing, and the token is not kept)."""

    generation: int | None
    token_id: int
    expires_at: datetime | None
    last_usage: datetime | None
    user: User


def is_kept_token(session: Session, token: str) -> bool:
    """Whether this Bearer token is kept (see `authenticate_access_token`): a known token, which
    a writing request may confirm inside its own unit of work."""
    return sha256_hex(token) in kept_callers(session).tokens


def authenticate_access_token(db: Database, session: Session, token: str, writing: bool = False) -> User:
    """The Bearer scheme: the token's SHA-256 is looked up; expiry and the account are checked.

    A token once read is kept with its account while the accounts' generation is unchanged
    (`catalog_cache`): every change of an account, its preferences, its tokens or its teams, in
    any process, moves the generation at its commit. A request then reads the generation alone,
    one primary-key read, instead of the token's and the account's rows; the expiry and the
    account's state are checked on every request as before. Unknown tokens are never kept.

    `writing`: `session` is a writing unit of work, which then also notes the token's time of
    use (a separate writer would wait, on SQLite, for the lock this one holds)."""
    token_hash = sha256_hex(token)
    connection = session.connection()
    current = connection.execute(_accounts_generation()).scalar()
    note_accounts_read(session, current)
    # By the token's SHA-256: no token itself stays in memory.
    kept_tokens: dict[str, _KeptToken] = kept_callers(session).tokens
    kept = kept_tokens.get(token_hash)
    if kept is None or current is None or kept.generation != current:
        row = connection.execute(_by_token(), {"token_hash": token_hash}).mappings().first()
        if row is None:
            raise AuthenticationError("Invalid credentials.")
        kept = _KeptToken(
            current,
            row["token_id"],
            row["token_expires_at"],
            row["token_last_usage"],
            load_caller(session, row, current),
        )
        if current is not None:
            keep(kept_tokens, token_hash, kept, MADE_LIMIT)
    now = utcnow()
    if kept.expires_at is not None and kept.expires_at <= now:
        raise AuthenticationError("Invalid credentials.")
    if not kept.user.enabled:
        raise AuthenticationError("Account is disabled.")
    last_usage = kept.last_usage
    if last_usage is None or now - last_usage >= TOKEN_USAGE_RESOLUTION:
        # Written apart from a reading request's own transaction. The time of use is no part of
        # a kept caller: it moves no generation, and the kept token notes it.
        noted = (
            update(AccessToken)
            .where(AccessToken.id == kept.token_id)
            .values(last_usage=now)
            .execution_options(**{UNWATCHED: True})
        )
        if writing:
            session.execute(noted)
        else:
            with db.session() as writer:
                writer.execute(noted)
        kept.last_usage = now
    return kept.user


# A web session's columns beside its account's, under names no account column has.
_SESSION_PREFIX = "web_session_"
# The counters the caller's own records depend on (`catalog_cache`), read with the session.
_OWN_RECORDS = "own_records_generation"
_RECORDS_COUNTERS = (_OWN_RECORDS, generation_key(TIMESHEETS), generation_key(CATALOG))


@cache
def _by_web_session() -> Any:
    session_columns = (column.label(_SESSION_PREFIX + column.key) for column in columns(WebSession))
    return (
        select(
            *columns(User),
            *session_columns,
            generation_column(ACCOUNTS),
            User.timesheets_generation.label(_OWN_RECORDS),
            generation_column(TIMESHEETS),
            generation_column(CATALOG),
        )
        .join(User, WebSession.user_id == User.id)
        .where(WebSession.token_hash == bindparam("token_hash"))
    )


@dataclass(slots=True)
class LiveWebSession:
    """A web session's row as its request read it: plain values, no ORM instance (made at the
    start of every page, where the mapper's instance cost about 50 µs). Changes to the stored
    session go through statements (`web/session.py`).

    `records_counters`: the counters of the caller's own records, of everyone's and of the
    catalog as read with the session; what a page keeps of the caller's records holds while
    they are unchanged (`security/caller.kept_own`)."""

    id: int
    token_hash: str
    user_id: int
    csrf_token: str
    created_at: datetime
    expires_at: datetime
    records_counters: tuple[int | None, ...] = ()


def authenticate_web_session(session: Session, cookie: str) -> tuple[User, LiveWebSession] | None:
    """The account (detached, see caller.py) and the live session of a session cookie, or None
    for an unknown or expired session or a disabled account."""
    statement, values = _by_web_session(), {"token_hash": sha256_hex(cookie)}
    row = session.connection().execute(statement, values).mappings().first()
    if row is None or row["web_session_expires_at"] <= utcnow() or not row["enabled"]:
        return None
    start = len(_SESSION_PREFIX)
    web_session = LiveWebSession(
        **{key[start:]: value for key, value in row.items() if key.startswith(_SESSION_PREFIX)},
        records_counters=tuple(row[key] for key in _RECORDS_COUNTERS),
    )
    note_accounts_read(session, row[GENERATION])
    return load_caller(session, row, row[GENERATION]), web_session
