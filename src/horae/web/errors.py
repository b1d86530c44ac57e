"""HTML error pages for the web app; /api paths keep the Kimai JSON answers of api/errors.py."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from horae.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    Gone,
    NotFound,
    ServiceValidationFailed,
    ValidationFailed,
)
from horae.web.auth import PASSWORD_CHANGE_PATH, LoginRequired, PasswordChangeRequired, ui_from_cookie
from horae.web.csrf import CsrfRejected, FormTooLarge
from horae.web.headers import SECURITY_HEADERS, is_api_path
from horae.web.i18n import N_
from horae.web.rendering import Ui, anonymous_ui, render

log = logging.getLogger("horae.web")

Handler = Callable[[Request, Exception], Awaitable[Response]]

# Title and explanation of each error page.
PAGES: dict[int, tuple[str, str]] = {
    400: (N_("Bad request"), N_("The request could not be understood.")),
    403: (N_("Access denied"), N_("You are not allowed to open this page.")),
    404: (N_("Page not found"), N_("There is no page at this address.")),
    405: (N_("Method not allowed"), N_("This page cannot be used that way.")),
    410: (N_("Gone"), N_("This page no longer exists.")),
    413: (N_("Request too large"), N_("The submitted data is too large.")),
    500: (N_("Something went wrong"), N_("An unexpected error occurred. Please try again later.")),
}
CSRF_EXPLANATION = N_("The form has expired or was sent from elsewhere. Reload the page and try again.")


def error_page(request: Request, status: int, explanation: str | None = None) -> Response:
    """The HTML page for an error status, in the person's language when they are known."""
    title, default_explanation = PAGES.get(status, (HTTPStatus(status).phrase, ""))
    try:
        ui: Ui = getattr(request.state, "web_ui", None) or (
            (ui_from_cookie(request) if status == 404 else None) or anonymous_ui(request)
        )
        return render(
            ui,
            "error.html",
            {"status": status, "title": title, "explanation": explanation or default_explanation},
            status_code=status,
            headers=SECURITY_HEADERS,
        )
    except Exception:
        # The error page itself must never fail; a plain answer beats a second traceback.
        log.exception("rendering the error page for %s failed", status)
        return PlainTextResponse(HTTPStatus(status).phrase, status_code=status, headers=SECURITY_HEADERS)


def install_web_error_handlers(app: FastAPI) -> None:
    """Registers HTML handlers on top of the API's: a web path gets a page, an /api path JSON."""
    api_handlers: dict[object, Handler] = dict(app.exception_handlers)

    def on_web(exception: type[Exception], page: Callable[[Request, Exception], Response]) -> None:
        api_handler = api_handlers.get(exception)

        async def handler(request: Request, exc: Exception) -> Response:
            if api_handler is not None and is_api_path(request.url.path):
                return await api_handler(request, exc)
            return page(request, exc)

        app.add_exception_handler(exception, handler)

    def status_page(status: int) -> Callable[[Request, Exception], Response]:
        return lambda request, exc: error_page(request, status)

    on_web(NotFound, status_page(404))
    on_web(Forbidden, status_page(403))
    on_web(BadRequest, status_page(400))
    on_web(Conflict, status_page(400))
    on_web(ValidationFailed, status_page(400))
    on_web(ServiceValidationFailed, status_page(400))
    on_web(Gone, status_page(410))
    # Only path parameters are typed on web routes: a malformed one addresses nothing.
    on_web(RequestValidationError, status_page(404))
    on_web(CsrfRejected, lambda request, exc: error_page(request, 403, CSRF_EXPLANATION))
    on_web(FormTooLarge, status_page(413))
    on_web(LoginRequired, lambda request, exc: RedirectResponse(exc.location, status_code=303))  # type: ignore[attr-defined]
    on_web(
        PasswordChangeRequired, lambda request, exc: RedirectResponse(PASSWORD_CHANGE_PATH, status_code=303)
    )

    def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code in (301, 302, 303, 307, 308):
            return Response(status_code=exc.status_code, headers=dict(exc.headers or {}))
        response = error_page(request, exc.status_code)
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response

    on_web(StarletteHTTPException, http_error)

    def unexpected(request: Request, exc: Exception) -> Response:
        log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
        return error_page(request, 500)

    on_web(Exception, unexpected)
