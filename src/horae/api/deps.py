"""FastAPI dependencies of the API: the request's session, the acting user, the decoded body."""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from contextvars import ContextVar
from typing import Annotated, Any

from anyio import CapacityLimiter, to_thread
from fastapi import Depends, Request
from sqlalchemy.orm import Session

from horae.api.deferred import Deferred, in_handler_thread
from horae.api.errors import BearerAuthFailed, LegacyAuthFailed, TooManyAttempts, Unauthorized
from horae.api.forms import decode_body
from horae.api.params import ascii_digits
from horae.db import Database
from horae.errors import BadRequest, Forbidden
from horae.security.authentication import (
    AuthenticationError,
    FailureThrottle,
    Throttled,
    authenticate_access_token,
    authenticate_api_password,
    authenticate_web_session,
    is_kept_token,
)
from horae.security.permissions import Actor
from horae.settings import Settings

SESSION_COOKIE = "horae_session"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The request's session as its handler's thread sees it: a handler that does not take the
# session (`/api/ping`) still ends the unit of work its authentication read in.
_request_session: ContextVar[Session | None] = ContextVar("horae_request_session", default=None)
# Where the request's scope holds its unit of work until the route ends it.
SESSION_SCOPE_KEY = "horae.session"


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


# The dependencies' own versions are asynchronous: FastAPI hands a synchronous dependency to a
# worker thread of its own, a round trip for an attribute's read.
async def _database(request: Request) -> Database:
    return get_db(request)


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_session(request: Request) -> Session:
    """The request's unit of work, committed after the handler returns, before the answer leaves.

    Made on the event loop (creating a session opens no connection) by a plain coroutine, and
    ended by the request's route (`end_request_session`, called by `api/routing.
    UnitOfWorkRoute`), not by a generator dependency: FastAPI enters and leaves a generator
    through a context manager on the request's exit stack, about 20 µs a request."""
    db = get_db(request)
    session = (db.write_sessionmaker if request.method in WRITE_METHODS else db.sessionmaker)()
    # Set in the request's own context: its handler's thread runs in a copy of it.
    _request_session.set(session)
    request.scope[SESSION_SCOPE_KEY] = session
    return session


async def end_request_session(scope: MutableMapping[str, Any], *, failed: bool) -> None:
    """Ends the unit of work `get_session` made for the request of `scope`, if it made one:
    committed, or rolled back when the handler failed.

    A handler (`api/routing.UnitOfWorkRoute`) has already committed the unit of work in its own
    thread, so the common end only forgets the session, on the event loop. A unit of work still
    open (a handler that raised, or one that left it open) is ended on a thread of its own
    limiter, never queued for the shared pool: on SQLite it holds the write lock, and the pool's
    threads may all be writers waiting for that lock."""
    session: Session | None = scope.pop(SESSION_SCOPE_KEY, None)
    if session is None:
        return
    try:
        if session.in_transaction():
            await _end(session.rollback if failed else session.commit)
    except BaseException:
        if not failed and session.in_transaction():
            await _end(session.rollback)
        raise
    finally:
        # Only forgets the session, unless an end above was interrupted (a cancelled request):
        # then the connection goes back here rather than to the garbage collector.
        session.close()


def request_session() -> Session | None:
    """The session of the request being handled, once its dependencies have made it."""
    return _request_session.get()


async def _end(step: Callable[[], None]) -> None:
    await to_thread.run_sync(step, limiter=CapacityLimiter(1))


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def authenticate(request: Request, session: SessionDep) -> Actor:
    """Kimai's order: Bearer token, then X-AUTH-USER + X-AUTH-TOKEN, then the web session.
    As `ActorDep`, made in the handler's thread before the handler (`api/deferred.py`).

    A reading request is authenticated in its own unit of work (one transaction, one connection
    for the whole request). So is a writing one with a kept Bearer token (a token read before,
    see `authenticate_access_token`), which then notes the token's time of use there too. Any
    other writing request reads the caller in a short read transaction of its own: on SQLite
    the request's transaction holds the write lock from its first statement, and a caller not
    known yet is checked before the lock is taken.
    """
    writing = request.method in WRITE_METHODS
    token = _bearer_token(request)
    if writing and not (token and is_kept_token(session, token)):
        with get_db(request).session(write=False) as reader:
            actor = _identify(request, reader, token)
    else:
        actor = _identify(request, session, token, writing)
    # Read by the access log (horae.logging.RequestContextMiddleware).
    request.state.user_id = actor.id
    return actor


def _bearer_token(request: Request) -> str | None:
    authorization = request.headers.get("authorization", "")
    if authorization.startswith("Bearer "):
        return authorization[7:].strip() or None
    return None


def _identify(request: Request, session: Session, token: str | None, writing: bool = False) -> Actor:
    """The caller; `token`: the request's Bearer token (`_bearer_token`), `writing`: `session` is
    the request's writing unit of work."""
    db = get_db(request)
    headers = request.headers
    if token:
        try:
            user = authenticate_access_token(db, session, token, writing)
        except AuthenticationError as exc:
            raise BearerAuthFailed(exc.reason) from exc
        actor = Actor.load(session, user, via="token")
        if not actor.can("api_access"):
            raise Forbidden("api_access")
        return actor
    login, secret = headers.get("x-auth-user"), headers.get("x-auth-token")
    if login is not None and secret is not None:
        throttle: FailureThrottle = request.app.state.throttle
        try:
            user = authenticate_api_password(session, throttle, client_address(request), login, secret)
        except Throttled as exc:
            raise TooManyAttempts(exc.retry_after) from exc
        except AuthenticationError as exc:
            raise LegacyAuthFailed(exc.reason) from exc
        return Actor.load(session, user, via="api_password")
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        found = authenticate_web_session(session, cookie)
        if found is not None:
            request.state.web_session = found[1]
            return Actor.load(session, found[0], via="session")
    raise Unauthorized()


async def read_body(request: Request) -> Deferred:
    """The POST/PATCH body, decoded and with snake_case keys turned into camelCase.

    Read here, decoded in the handler's thread after the caller is known (`api/deferred.py`):
    a bad body is a 400 only for an authenticated caller. BodyLimitMiddleware has refused
    oversize bodies before; the checks here keep the same limit for an application assembled
    without it.
    """
    limit: int = request.app.state.settings.max_body_bytes
    declared = request.headers.get("content-length")
    if declared and ascii_digits(declared) and int(declared) > limit:
        raise BodyTooLarge()
    raw = await request.body()
    if len(raw) > limit:
        raise BodyTooLarge()
    content_type = request.headers.get("content-type")
    return Deferred(lambda: decode_body(raw, content_type), {}, late=True)


class BodyTooLarge(BadRequest):
    """The body is larger than HORAE_MAX_BODY_BYTES (answered with 413)."""


SessionDep = Annotated[Session, Depends(get_session)]
ActorDep = Annotated[Actor, Depends(in_handler_thread(authenticate))]
BodyDep = Annotated[Any, Depends(read_body)]
DatabaseDep = Annotated[Database, Depends(_database)]
SettingsDep = Annotated[Settings, Depends(_settings)]
