"""The request body size limit, enforced before any handler runs.

The whole body is read (at most `max_body_bytes` of it) before the application sees the request,
so a handler never buffers more than the limit, an oversize request never reaches a handler that
could write something, and chunked bodies without a Content-Length are counted like the others.
"""

from __future__ import annotations

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAYLOAD_TOO_LARGE = {"code": 413, "message": "Payload Too Large"}
# After refusing, the rest of a body up to this size is read and thrown away: a server that
# closes a connection with unread data makes the kernel reset it, and the client then often
# loses the 413 answer. Larger bodies are cut off at once.
DRAIN_LIMIT_BYTES = 16 * 1024 * 1024


def _refusal(path: str) -> tuple[bytes, bytes]:
    """The 413 body and its type: Kimai's JSON on /api, plain text for the web app's paths."""
    if path == "/api" or path.startswith("/api/"):
        return orjson.dumps(PAYLOAD_TOO_LARGE), b"application/json"
    return b"Payload Too Large", b"text/plain; charset=utf-8"


def _declared_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == b"content-length":
            text = bytes(value).strip()
            return int(text) if text.isdigit() else None
    return None


def _expects_continue(scope: Scope) -> bool:
    return any(
        key.lower() == b"expect" and bytes(value).lower().strip() == b"100-continue"
        for key, value in scope.get("headers", ())
    )


class BodyLimitMiddleware:
    """Answers 413 to any HTTP request whose body exceeds `max_body_bytes`, declared or counted."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            # A client waiting for "100 Continue" has sent nothing yet: answer without reading.
            drain = declared <= DRAIN_LIMIT_BYTES and not _expects_continue(scope)
            await self._refuse(scope, receive, send, drain=drain)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = bytes(message.get("body", b""))
            size += len(chunk)
            if size > self.max_body_bytes:
                more = bool(message.get("more_body", False))
                await self._refuse(scope, receive, send, drain=more, received=size)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(b"".join(chunks), receive), send)

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, *, drain: bool, received: int = 0
    ) -> None:
        while drain and received <= DRAIN_LIMIT_BYTES:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            received += len(message.get("body", b""))
            drain = bool(message.get("more_body", False))
        body, content_type = _refusal(str(scope.get("path", "")))
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", content_type),
                    (b"content-length", str(len(body)).encode("ascii")),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive channel that hands out the buffered body once, then the real channel's events."""
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            message: Message = {"type": "http.request", "body": body, "more_body": False}
            return message
        return await receive()

    return replay
