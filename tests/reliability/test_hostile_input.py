"""Hostile request bodies get a clear Kimai-style 4xx and write nothing.

The transport rules hold for every route: oversize bodies (declared or chunked) are refused with
413 before routing, and bodies that no client would send (invalid JSON or UTF-8, scalars, deep
nesting, NUL characters, non-finite numbers) are a 400. The tests use the shared test server where
an existing route shows the rule, and a server of their own, with a small limit and a probe route
that writes a row, where they must prove that nothing was written.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import orjson
import pytest
from fastapi import APIRouter
from sqlalchemy import func, select
from starlette.responses import Response

from horae.api.deps import BodyDep, SessionDep
from horae.api.forms import MAX_BODY_DEPTH, Boolean, Form, Integer, Text, decode_body, parse_int
from horae.api.responses import json_response
from horae.api.routing import UnitOfWorkRoute
from horae.app import create_app
from horae.errors import BadRequest
from horae.settings import Settings
from horae.tags.models import Tag
from tests.http import http_client
from tests.reliability.servers import app_server

BAD_REQUEST = {"code": 400, "message": "Bad Request"}
PAYLOAD_TOO_LARGE = {"code": 413, "message": "Payload Too Large"}
LIMIT = 2048
DEFAULT_LIMIT = Settings().max_body_bytes

probe = APIRouter(prefix="/api/probe", route_class=UnitOfWorkRoute)
PROBE_FORM = Form(name=Text(required=True, max_length=100), visible=Boolean(), count=Integer())


@probe.post("/tags", operation_id="post_probe_tag", summary="Writes a tag (tests only)")
def create_probe_tag(session: SessionDep, body: BodyDep) -> Response:
    values = PROBE_FORM.parse(body, partial=False).values
    tag = Tag(name=values["name"], visible=values["visible"])
    session.add(tag)
    session.flush()
    return json_response({"id": tag.id, "name": tag.name, "count": values["count"]})


@pytest.fixture(scope="module")
def probe_url(backend) -> Iterator[str]:
    """A server of its own on the backend's database, with a limit of LIMIT bytes."""
    settings = Settings(database_url=backend.url, environment="test", max_body_bytes=LIMIT)
    app = create_app(settings, db=backend.db)
    app.include_router(probe)
    with app_server(app) as base_url:
        yield base_url


@pytest.fixture
def client(probe_url) -> Iterator[httpx.Client]:
    with http_client(base_url=probe_url, timeout=30) as client:
        yield client


def tag_count(backend) -> int:
    with backend.db.session(write=False) as session:
        return int(session.scalar(select(func.count()).select_from(Tag)) or 0)


def chunks(total: int, size: int = 512) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        piece = min(size, total - sent)
        sent += piece
        yield b" " * piece


# --- the limit, on the shared server and its existing routes ---------------------------------


def test_body_over_the_limit_is_413_before_the_route_is_looked_up(http):
    response = http.post("/api/ping", content=b"x" * (DEFAULT_LIMIT + 1))
    assert response.status_code == 413
    assert response.json() == PAYLOAD_TOO_LARGE


def test_chunked_body_over_the_limit_is_413(http):
    response = http.post("/api/ping", content=chunks(DEFAULT_LIMIT + 1, size=64 * 1024))
    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert response.status_code == 413
    assert response.json() == PAYLOAD_TOO_LARGE


def test_body_of_exactly_the_limit_reaches_the_route(http):
    response = http.post("/api/ping", content=b"x" * DEFAULT_LIMIT)
    assert response.status_code == 405
    assert response.json() == {"code": 405, "message": "Method Not Allowed"}


def test_oversize_body_to_an_unknown_route_is_413_too(http):
    response = http.patch("/api/nowhere/1", content=b"x" * (DEFAULT_LIMIT + 1))
    assert response.status_code == 413
    assert response.json() == PAYLOAD_TOO_LARGE


def test_oversize_body_to_a_web_page_is_a_plain_413(http):
    response = http.post("/login", content=b"x" * (DEFAULT_LIMIT + 1))
    assert response.status_code == 413
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text == "Payload Too Large"


def test_413_carries_cors_and_request_id_headers(http):
    response = http.post(
        "/api/ping",
        content=b"x" * (DEFAULT_LIMIT + 1),
        headers={"Origin": "https://client.example", "X-Request-ID": "upload-42"},
    )
    assert response.status_code == 413
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["x-request-id"] == "upload-42"


def _answer_without_sending_the_body(base_url: str, extra_headers: bytes) -> bytes:
    """Declares a 50 MB body, sends none of it, and reads what the server answers."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            b"POST /api/ping HTTP/1.1\r\nHost: horae\r\nContent-Type: application/json\r\n"
            b"Content-Length: 50000000\r\n" + extra_headers + b"\r\n"
        )
        answer = b""
        while not answer.endswith(orjson.dumps(PAYLOAD_TOO_LARGE)):
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
    return answer


def test_client_waiting_for_100_continue_gets_413_before_sending_the_body(backend):
    answer = _answer_without_sending_the_body(backend.base_url, b"Expect: 100-continue\r\n")
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b"100 Continue" not in answer
    assert answer.endswith(b'{"code":413,"message":"Payload Too Large"}')


def test_huge_declared_body_is_refused_without_reading_it(backend):
    answer = _answer_without_sending_the_body(backend.base_url, b"")
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b"connection: close" in answer.lower()


# --- the limit is a setting, and nothing is written past it ----------------------------------


def test_limit_comes_from_the_settings(client, backend):
    body = b'{"name": "' + b"a" * 60 + b'"}'
    padded = body + b" " * (LIMIT - len(body))
    assert client.post("/api/probe/tags", content=padded).status_code == 200
    response = client.post("/api/probe/tags", content=padded + b" ")
    assert response.status_code == 413
    assert response.json() == PAYLOAD_TOO_LARGE
    assert tag_count(backend) == 1


def test_oversize_chunked_body_writes_nothing(client, backend):
    def body() -> Iterator[bytes]:
        yield b'{"name": "chunked", "padding": "'
        yield from (b"a" * 256 for _ in range(LIMIT // 256 + 1))
        yield b'"}'

    response = client.post("/api/probe/tags", content=body(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json() == PAYLOAD_TOO_LARGE
    assert tag_count(backend) == 0


def test_connection_stays_usable_after_a_413_of_a_drained_body(client, backend):
    assert client.post("/api/probe/tags", content=b"x" * (LIMIT * 4)).status_code == 413
    # A new connection (the refused one was closed) writes normally.
    response = client.post("/api/probe/tags", json={"name": "after"})
    assert response.status_code == 200
    assert tag_count(backend) == 1


# --- bodies no client sends: 400, nothing written -------------------------------------------


HOSTILE_BODIES = {
    "truncated JSON": b'{"name": "x"',
    "trailing garbage": b'{"name": "xy"} {}',
    "invalid UTF-8": b'{"name": "\xff\xfe"}',
    "overlong UTF-8 encoding": b'{"name": "\xc0\xaf"}',
    "lone surrogate escape": b'{"name": "\\ud800"}',
    "top-level string": b'"name"',
    "top-level number": b"12",
    "top-level null": b"null",
    "top-level true": b"true",
    "NaN": b'{"name": "xy", "count": NaN}',
    "Infinity": b'{"name": "xy", "count": Infinity}',
    "number beyond a double": b'{"name": "xy", "count": 1e400}',
    "NUL in a value": b'{"name": "a\\u0000b"}',
    "NUL in a key": b'{"na\\u0000me": "xy"}',
    "nested too deeply": b'{"name": "xy", "count": ' + b"[" * MAX_BODY_DEPTH + b"]" * MAX_BODY_DEPTH + b"}",
    "both spellings of a key": b'{"name": "xy", "fixed_rate": 1, "fixedRate": 2}',
}


@pytest.mark.parametrize("raw", HOSTILE_BODIES.values(), ids=HOSTILE_BODIES.keys())
def test_hostile_json_is_a_bad_request_and_writes_nothing(client, backend, raw):
    response = client.post("/api/probe/tags", content=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json() == BAD_REQUEST
    assert tag_count(backend) == 0


def test_invalid_utf8_in_a_urlencoded_body_is_a_bad_request(client, backend):
    response = client.post(
        "/api/probe/tags",
        content=b"name=%FF%FE",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400
    assert response.json() == BAD_REQUEST
    assert tag_count(backend) == 0


def test_nul_in_a_urlencoded_body_is_a_bad_request(client, backend):
    response = client.post(
        "/api/probe/tags",
        content=b"name=a%00b",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400
    assert tag_count(backend) == 0


@pytest.mark.parametrize(
    "count", ["18446744073709551616", "-99999999999999999999", "1e300", "123456789012345678901"]
)
def test_integer_beyond_64_bits_is_a_field_error_not_a_crash(client, backend, count):
    raw = b'{"name": "big", "count": ' + count.encode() + b"}"
    response = client.post("/api/probe/tags", content=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json() == {
        "code": 400,
        "message": "Validation Failed",
        "errors": {
            "children": {"name": {}, "visible": {}, "count": {"errors": ["Please enter an integer."]}}
        },
    }
    assert tag_count(backend) == 0


def test_huge_string_is_a_field_error(client, backend):
    response = client.post("/api/probe/tags", json={"name": "x" * 1900})
    assert response.status_code == 400
    assert response.json()["errors"]["children"]["name"] == {
        "errors": ["This value is too long. It should have 100 characters or less."]
    }
    assert tag_count(backend) == 0


# --- injection attempts are stored as plain text ---------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "Robert'); DROP TABLE tags;--",
        "x' OR '1'='1",
        '<script>alert("x")</script>',
        "<img src=x onerror=alert(1)>",
        "%s %d {0} ${name}",
        "Zoë 東京 🚀",
    ],
)
def test_injection_attempts_are_stored_and_returned_verbatim(client, backend, name):
    response = client.post("/api/probe/tags", json={"name": name})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json()["name"] == name
    with backend.db.session(write=False) as session:
        assert session.scalars(select(Tag.name)).all() == [name]


# --- the decoder on its own ------------------------------------------------------------------


def nested(depth: int) -> bytes:
    return b'{"a": ' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"}"


def test_nesting_up_to_the_limit_is_accepted():
    expected: list[object] = []
    for _ in range(MAX_BODY_DEPTH - 2):
        expected = [expected]
    assert decode_body(nested(MAX_BODY_DEPTH), "application/json") == {"a": expected}


def test_nesting_beyond_the_limit_is_refused():
    with pytest.raises(BadRequest):
        decode_body(nested(MAX_BODY_DEPTH + 1), "application/json")


def test_nesting_beyond_the_parser_limit_is_refused_without_recursion():
    with pytest.raises(BadRequest):
        decode_body(b"[" * 100_000 + b"]" * 100_000, "application/json")


def test_integers_beyond_64_bits_decode_as_floats_that_no_integer_field_accepts():
    body = decode_body(b'{"count": 340282366920938463463374607431768211456}', None)
    assert isinstance(body["count"], float)
    assert parse_int(body["count"]) is None
    assert parse_int(2**63 - 1) == 2**63 - 1
    assert parse_int(2**63) is None
    assert parse_int(-(2**63)) == -(2**63)
    assert parse_int(float(2**70)) is None
