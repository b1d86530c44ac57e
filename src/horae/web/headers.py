"""Security headers on every page of the web app (the /api paths keep Kimai's answers)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# Static files are addressed with their content hash (?v=…), so they never change under a URL.
STATIC_CACHE = "public, max-age=31536000, immutable"
# As an answer's raw headers, encoded once.
_RAW_SECURITY_HEADERS = tuple(
    (name.lower().encode(), value.encode()) for name, value in SECURITY_HEADERS.items()
)
_RAW_STATIC_CACHE = (b"cache-control", STATIC_CACHE.encode())


def is_api_path(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


class SecurityHeadersMiddleware:
    """Adds the headers to every non-API answer that does not set them itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_api_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        versioned_static = scope["path"].startswith("/static/") and b"v=" in scope.get("query_string", b"")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(pair for pair in _RAW_SECURITY_HEADERS if pair[0] not in present)
                if versioned_static and message.get("status") == 200:
                    headers = [(n, v) for n, v in headers if n.lower() != b"cache-control"]
                    headers.append(_RAW_STATIC_CACHE)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
