"""Sign-in, sign-out and the password change an administrator can demand."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from starlette.responses import RedirectResponse, Response

from horae.api.deps import SESSION_COOKIE, DatabaseDep, SessionDep, client_address
from horae.api.routing import UnitOfWorkRoute
from horae.db import utcnow
from horae.errors import ValidationFailed
from horae.security.authentication import (
    FailureThrottle,
    Throttled,
    authenticate_web_session,
    find_user_by_login,
)
from horae.security.passwords import hash_password, needs_rehash, verify_password
from horae.users.models import User
from horae.users.service import replace_required_password
from horae.web.auth import DEFAULT_LANDING, LOGIN_PATH, PASSWORD_CHANGE_PATH, SignedInPendingDep, safe_next
from horae.web.csrf import (
    AnonymousFormDep,
    CheckedFormPendingDep,
    anonymous_token,
    clear_anonymous_cookie,
    set_anonymous_cookie,
)
from horae.web.i18n import N_
from horae.web.rendering import Ui, anonymous_ui, render
from horae.web.session import (
    clear_session_cookie,
    end_other_sessions,
    end_session,
    set_session_cookie,
    start_session,
)

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)

INVALID_CREDENTIALS = N_("Invalid username or password.")
ACCOUNT_DISABLED = N_("Your account is disabled.")
TOO_MANY_ATTEMPTS = N_("Too many failed sign-in attempts. Please wait %(seconds)s seconds and try again.")


def _throttle_keys(request: Request, login: str) -> list[str]:
    # Apart from the API-password counters, so a misconfigured API client cannot lock a person out.
    keys = [f"web-ip:{client_address(request)}"]
    if login:
        keys.append(f"web-user:{login.lower()}")
    return keys


def _login_page(
    ui: Ui, token: str, *, login: str = "", next_path: str = "", error: str = "", status: int = 200
) -> Response:
    ui.csrf_token = token
    response = render(
        ui, "login.html", {"login": login, "next": next_path, "error": error}, status_code=status
    )
    set_anonymous_cookie(response, ui.request, token)
    return response


@router.get("/", name="home")
def home() -> Response:
    return RedirectResponse(DEFAULT_LANDING, status_code=303)


@router.get("/login", name="login")
def login_page(request: Request, session: SessionDep, next: str = Query("")) -> Response:
    next_path = safe_next(next)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie and authenticate_web_session(session, cookie) is not None:
        return RedirectResponse(next_path or DEFAULT_LANDING, status_code=303)
    return _login_page(anonymous_ui(request), anonymous_token(request), next_path=next_path)


@router.post("/login", name="login_submit")
def login_submit(request: Request, db: DatabaseDep, form: AnonymousFormDep) -> Response:
    login = str(form.get("login") or "").strip()
    password = str(form.get("password") or "")
    next_path = safe_next(form.get("next"))
    ui = anonymous_ui(request)
    token = anonymous_token(request)
    throttle: FailureThrottle = request.app.state.throttle
    keys = _throttle_keys(request, login)

    def refuse(message: str, status: int, **values: Any) -> Response:
        text = ui.gettext(message) % values if values else ui.gettext(message)
        return _login_page(ui, token, login=login, next_path=next_path, error=text, status=status)

    # Checked in a read-only unit of work: recording a failure writes apart, and on SQLite a
    # writing request transaction would hold the lock that recording needs.
    with db.session(write=False) as session:
        try:
            throttle.check(session, keys)
        except Throttled as exc:
            return refuse(TOO_MANY_ATTEMPTS, 429, seconds=exc.retry_after)
        user = find_user_by_login(session, login) if login else None
        valid = verify_password(user.password_hash if user else None, password)
    if user is None or not valid:
        throttle.record_failure(keys)
        return refuse(INVALID_CREDENTIALS, 422)
    if not user.enabled:
        return refuse(ACCOUNT_DISABLED, 403)
    with db.session() as session:
        account = session.get(User, user.id)
        assert account is not None
        if needs_rehash(account.password_hash):
            account.password_hash = hash_password(password)
        account.last_login = utcnow()
        plain, _ = start_session(session, account)
        pending = account.requires_password_reset
    target = PASSWORD_CHANGE_PATH if pending else (next_path or DEFAULT_LANDING)
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, request, plain)
    clear_anonymous_cookie(response, request)
    return response


@router.post("/logout", name="logout")
def logout(
    request: Request, session: SessionDep, web_user: SignedInPendingDep, form: CheckedFormPendingDep
) -> Response:
    end_session(session, request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse(LOGIN_PATH, status_code=303)
    clear_session_cookie(response, request)
    return response


@router.get("/password/change", name="password_change")
def password_change_page(web_user: SignedInPendingDep) -> Response:
    if not web_user.user.requires_password_reset:
        return RedirectResponse(DEFAULT_LANDING, status_code=303)
    return render(web_user.ui, "password_change.html", {"errors": {}})


@router.post("/password/change", name="password_change_submit")
def password_change_submit(
    session: SessionDep, web_user: SignedInPendingDep, form: CheckedFormPendingDep
) -> Response:
    if not web_user.user.requires_password_reset:
        return RedirectResponse(DEFAULT_LANDING, status_code=303)
    try:
        replace_required_password(
            session, web_user.actor, str(form.get("password") or ""), str(form.get("password_repeat") or "")
        )
    except ValidationFailed as exc:
        session.rollback()
        return render(web_user.ui, "password_change.html", {"errors": exc.field_errors}, status_code=422)
    end_other_sessions(session, web_user.actor.id, keep=web_user.web_session)
    return RedirectResponse(f"{DEFAULT_LANDING}?saved=password", status_code=303)
