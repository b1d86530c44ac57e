"""Sign-in sessions of the web app, stored in the `web_sessions` table so every worker shares them.

The browser holds a random token in the `horae_session` cookie; the database keeps only its
SHA-256. A session ends after `IDLE_LIFETIME` without use and at the latest `ABSOLUTE_LIFETIME`
after sign-in; use renews the idle deadline at most once per `RENEW_EVERY` to keep reads cheap.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from fastapi import Request
from sqlalchemy import delete, update
from sqlalchemy.orm import Session
from starlette.responses import Response

from horae.api.deps import SESSION_COOKIE
from horae.db import Database, utcnow
from horae.security.authentication import LiveWebSession
from horae.security.passwords import sha256_hex
from horae.users.models import User, WebSession

IDLE_LIFETIME = timedelta(hours=12)
ABSOLUTE_LIFETIME = timedelta(days=14)
RENEW_EVERY = timedelta(hours=1)


def start_session(session: Session, user: User) -> tuple[str, WebSession]:
    """Opens a session for a user who just proved who they are; returns the cookie value once."""
    now = utcnow()
    session.execute(delete(WebSession).where(WebSession.expires_at <= now))
    plain = secrets.token_urlsafe(32)
    web_session = WebSession(
        token_hash=sha256_hex(plain),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        expires_at=now + IDLE_LIFETIME,
    )
    session.add(web_session)
    session.flush()
    return plain, web_session


def end_session(session: Session, cookie: str) -> None:
    session.execute(delete(WebSession).where(WebSession.token_hash == sha256_hex(cookie)))


def end_other_sessions(session: Session, user_id: int, keep: LiveWebSession | None) -> None:
    """Signs the user out everywhere else, as after a password change."""
    statement = delete(WebSession).where(WebSession.user_id == user_id)
    if keep is not None:
        statement = statement.where(WebSession.id != keep.id)
    session.execute(statement)


def renew_if_due(db: Database, session: Session, web_session: LiveWebSession, *, writing: bool) -> None:
    """Pushes the idle deadline forward.

    A writing request renews in its own unit of work; a reading one writes apart, because its
    session is read-only (and on SQLite a second writer would wait for the first one's lock).
    """
    now = utcnow()
    deadline = min(now + IDLE_LIFETIME, web_session.created_at + ABSOLUTE_LIFETIME)
    if deadline - web_session.expires_at < RENEW_EVERY:
        return
    statement = update(WebSession).where(WebSession.id == web_session.id).values(expires_at=deadline)
    if writing:
        session.execute(statement)
    else:
        with db.session() as writer:
            writer.execute(statement)
    web_session.expires_at = deadline


def request_is_https(request: Request) -> bool:
    """True when the browser talks HTTPS to us or to the proxy in front (X-Forwarded-Proto)."""
    if request.url.scheme == "https":
        return True
    forwarded = request.headers.get("x-forwarded-proto", "")
    return forwarded.split(",")[0].strip().lower() == "https"


def set_session_cookie(response: Response, request: Request, plain: str) -> None:
    # A browser-session cookie: the server-side expiry decides how long it is honoured.
    response.set_cookie(
        SESSION_COOKIE,
        plain,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request_is_https(request),
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=request_is_https(request)
    )
