"""Cross-site request forgery protection of the web forms.

Every POST form carries a `csrf_token` field. Signed in, it must equal the token stored with the
web session; on the sign-in form, which has no session yet, it must equal the value of the
`horae_csrf` cookie set with the form (a double-submit token). Anything else is answered with 403.
"""

from __future__ import annotations

import hmac
import re
import secrets
from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from horae.api.deferred import in_handler_thread
from horae.api.params import ascii_digits
from horae.web.auth import SignedInDep, SignedInPendingDep, WebUser
from horae.web.session import request_is_https

CSRF_FIELD = "csrf_token"
ANONYMOUS_COOKIE = "horae_csrf"
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,64}")
# The permission matrix form is the largest: a checkbox per role and permission.
MAX_FORM_FIELDS = 5000


class CsrfRejected(Exception):
    """A form arrived without the token of the page that showed it."""


class FormTooLarge(Exception):
    """A form body beyond HORAE_MAX_BODY_BYTES."""


def tokens_match(expected: str | None, presented: object) -> bool:
    if not expected or not isinstance(presented, str) or not presented:
        return False
    return hmac.compare_digest(expected.encode(), presented.encode())


async def read_form(request: Request) -> FormData:
    limit: int = request.app.state.settings.max_body_bytes
    declared = request.headers.get("content-length")
    if declared and ascii_digits(declared) and int(declared) > limit:
        raise FormTooLarge()
    return await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)


FormDep = Annotated[FormData, Depends(read_form)]


def _checked(web_user: WebUser, form: FormData) -> FormData:
    if not tokens_match(web_user.web_session.csrf_token, form.get(CSRF_FIELD)):
        raise CsrfRejected()
    return form


def checked_form(web_user: SignedInDep, form: FormDep) -> FormData:
    return _checked(web_user, form)


def checked_form_pending(web_user: SignedInPendingDep, form: FormDep) -> FormData:
    return _checked(web_user, form)


# Checked in the handler's thread, once the signed-in person is known (`api/deferred.py`).
CheckedFormDep = Annotated[FormData, Depends(in_handler_thread(checked_form))]
CheckedFormPendingDep = Annotated[FormData, Depends(in_handler_thread(checked_form_pending))]


def anonymous_token(request: Request) -> str:
    """The sign-in form's token: the browser's current one, or a new one."""
    current = request.cookies.get(ANONYMOUS_COOKIE, "")
    return current if _TOKEN_SHAPE.fullmatch(current) else secrets.token_urlsafe(32)


def set_anonymous_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(
        ANONYMOUS_COOKIE,
        token,
        path="/login",
        httponly=True,
        samesite="lax",
        secure=request_is_https(request),
    )


def clear_anonymous_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        ANONYMOUS_COOKIE, path="/login", httponly=True, samesite="lax", secure=request_is_https(request)
    )


def anonymous_checked_form(request: Request, form: FormDep) -> FormData:
    if not tokens_match(request.cookies.get(ANONYMOUS_COOKIE), form.get(CSRF_FIELD)):
        raise CsrfRejected()
    return form


AnonymousFormDep = Annotated[FormData, Depends(in_handler_thread(anonymous_checked_form))]
