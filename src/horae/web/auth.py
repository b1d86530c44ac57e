"""Who is looking at a page: the signed-in person, or a redirect to the sign-in page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request

from horae.api.deferred import in_handler_thread
from horae.api.deps import SESSION_COOKIE, WRITE_METHODS, SessionDep, get_db
from horae.security.authentication import LiveWebSession, authenticate_web_session
from horae.security.permissions import Actor
from horae.users.models import User
from horae.web.rendering import Ui, ui_for_user
from horae.web.session import renew_if_due
from horae.web.timers import running_timers

LOGIN_PATH = "/login"
PASSWORD_CHANGE_PATH = "/password/change"
DEFAULT_LANDING = "/dashboard"


class LoginRequired(Exception):
    """No valid session: the browser is sent to the sign-in page, then back to `next_path`."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path
        super().__init__(next_path)

    @property
    def location(self) -> str:
        if not self.next_path:
            return LOGIN_PATH
        return f"{LOGIN_PATH}?next={quote(self.next_path, safe='/')}"


class PasswordChangeRequired(Exception):
    """The account must choose a new password before anything else."""


@dataclass
class WebUser:
    actor: Actor
    web_session: LiveWebSession
    ui: Ui

    @property
    def user(self) -> User:
        return self.actor.user


def safe_next(value: object) -> str:
    """A local path to return to after sign-in; anything that could leave the site is dropped."""
    if not isinstance(value, str) or not value.startswith("/") or value.startswith("//"):
        return ""
    if "\\" in value or any(ord(char) < 32 for char in value) or len(value) > 2000:
        return ""
    if value.startswith((LOGIN_PATH, "/logout")):
        return ""
    return value


def _resolve(request: Request, session: SessionDep, *, allow_pending: bool) -> WebUser:
    cookie = request.cookies.get(SESSION_COOKIE)
    found = authenticate_web_session(session, cookie) if cookie else None
    if found is None:
        if request.method == "GET":
            query = f"?{request.url.query}" if request.url.query else ""
            raise LoginRequired(safe_next(request.url.path + query))
        raise LoginRequired("")
    user, web_session = found
    actor = Actor.load(session, user, via="session")
    renew_if_due(get_db(request), session, web_session, writing=request.method in WRITE_METHODS)
    timers = running_timers(session, actor, web_session.records_counters)
    ui = ui_for_user(request, user, actor, web_session, timers)
    # Error pages raised later in this request speak the person's language.
    request.state.web_ui = ui
    if user.requires_password_reset and not allow_pending:
        raise PasswordChangeRequired()
    return WebUser(actor, web_session, ui)


def ui_from_cookie(request: Request) -> Ui | None:
    """The signed-in person's view for pages no route dependency ran for (unknown paths)."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    with get_db(request).session(write=False) as session:
        found = authenticate_web_session(session, cookie)
        if found is None:
            return None
        user, web_session = found
        return ui_for_user(request, user, Actor.load(session, user, via="session"), web_session)


def signed_in(request: Request, session: SessionDep) -> WebUser:
    return _resolve(request, session, allow_pending=False)


def signed_in_pending(request: Request, session: SessionDep) -> WebUser:
    """Also admits an account whose password change is pending (that page and sign-out)."""
    return _resolve(request, session, allow_pending=True)


# Made in the handler's thread, before the handler (`api/deferred.py`).
SignedInDep = Annotated[WebUser, Depends(in_handler_thread(signed_in))]
SignedInPendingDep = Annotated[WebUser, Depends(in_handler_thread(signed_in_pending))]
