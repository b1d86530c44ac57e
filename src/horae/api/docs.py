"""The API documentation: Swagger UI at /api/doc and its OpenAPI document at /api/doc.json.

The document is generated from the mounted routes once per application, then completed with what
FastAPI cannot know: Kimai's schemas, security schemes, tags and error bodies. Swagger UI's files
are vendored in `static/swagger/` (see scripts/vendor-swagger-ui) and served by Horae itself.
"""

from __future__ import annotations

import copy
import gzip
import hashlib
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import orjson
from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.utils import get_openapi
from starlette.responses import HTMLResponse, RedirectResponse, Response

from horae.api.deps import SessionDep, authenticate
from horae.api.errors import Unauthorized
from horae.api.openapi import SCHEMAS, ref
from horae.api.routing import UnitOfWorkRoute
from horae.errors import NotFound
from horae.version import KIMAI_VERSION

router = APIRouter(route_class=UnitOfWorkRoute, prefix="/api")

LOGIN_PATH = "/login"
STATIC_DIR = Path(__file__).parent / "static"
SWAGGER_UI_VERSION = (STATIC_DIR / "swagger" / "VERSION").read_text().split()[1]

# Kimai's tags in the order its documentation lists them; tags Horae adds come after, sorted.
KIMAI_TAGS = (
    "Default",
    "Actions",
    "Activity",
    "Customer",
    "Export",
    "Invoice",
    "Project",
    "Tag",
    "Team",
    "Timesheet",
    "User",
)

SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "apiToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "An access token created in the user profile (or with `horae token create`).",
    },
    "apiUser": {
        "type": "apiKey",
        "in": "header",
        "name": "X-AUTH-USER",
        "description": "Deprecated API password scheme: the username or e-mail. Send with X-AUTH-TOKEN.",
    },
    "apiPassword": {
        "type": "apiKey",
        "in": "header",
        "name": "X-AUTH-TOKEN",
        "description": "Deprecated API password scheme: the user's API password. Send with X-AUTH-USER.",
    },
}
# Either a Bearer token, or both legacy headers together.
SECURITY: list[dict[str, list[str]]] = [{"apiToken": []}, {"apiUser": [], "apiPassword": []}]

DESCRIPTION = f"""The JSON API of Horae, wire-compatible with Kimai {KIMAI_VERSION}.

Authenticate every request with an access token (`Authorization: Bearer <token>`) or with the
deprecated pair `X-AUTH-USER` / `X-AUTH-TOKEN` (username and API password). A logged-in browser
session works too, which is how this page's "Try it out" calls are sent.

Responses write datetimes as ISO 8601 with the offset of the user's timezone
(`2019-04-20T14:00:00+0200`). Request bodies take HTML5 local datetimes (`2019-04-20T14:00:00`),
read in the user's timezone. In POST and PATCH bodies a boolean is false only when it is JSON
`false` (or left out of a POST); any other value, `null` included, means true.
"""

# Kimai's error bodies (contract TIMESHEETS_AUTH_ERRORS §2.6 and §3).
FORM_ERRORS: dict[str, Any] = {
    "type": "object",
    "properties": {
        "errors": {"type": "array", "items": {"type": "string"}},
        "children": {"type": "object", "additionalProperties": ref("FormErrors")},
    },
}
ERROR_SCHEMAS: dict[str, dict[str, Any]] = {
    "ErrorResponse": {
        "type": "object",
        "description": "Any error that is not a validation failure: the HTTP status and its reason phrase.",
        "required": ["code", "message"],
        "properties": {"code": {"type": "integer"}, "message": {"type": "string"}},
        "additionalProperties": False,
        "example": {"code": 404, "message": "Not Found"},
    },
    "AuthenticationFailed": {
        "type": "object",
        "description": "X-AUTH-USER/X-AUTH-TOKEN refused (Kimai sends no `code` here).",
        "required": ["message"],
        "properties": {"message": {"type": "string"}},
        "additionalProperties": False,
        "example": {"message": "Invalid credentials"},
    },
    "FormErrors": FORM_ERRORS,
    "ValidationFailed": {
        "type": "object",
        "description": "A form refused the body: `children` lists every field of the form.",
        "required": ["code", "message", "errors"],
        "properties": {
            "code": {"type": "integer", "enum": [400]},
            "message": {"type": "string", "enum": ["Validation Failed"]},
            "errors": ref("FormErrors"),
        },
        "example": {
            "code": 400,
            "message": "Validation Failed",
            "errors": {"children": {"name": {"errors": ["This value should not be blank."]}, "comment": {}}},
        },
    },
    "ServiceValidationFailed": {
        "type": "object",
        "description": "A rule refused an action without a form (stop, restart, duplicate); `code` is a "
        "string.",
        "required": ["code", "message", "errors"],
        "properties": {
            "code": {"type": "string", "enum": ["400"]},
            "message": {"type": "string"},
            "errors": ref("FormErrors"),
        },
    },
}


def _json(*schemas: str) -> dict[str, Any]:
    schema = ref(schemas[0]) if len(schemas) == 1 else {"anyOf": [ref(name) for name in schemas]}
    return {"application/json": {"schema": schema}}


# Shared answers under components/responses, by the status each operation may give.
ERROR_RESPONSES: dict[str, dict[str, Any]] = {
    "BadRequest": {
        "description": "Bad request: an invalid parameter or body, or a failed validation",
        "content": _json("ErrorResponse", "ValidationFailed", "ServiceValidationFailed"),
    },
    "Unauthorized": {
        "description": "No credentials (Kimai's JSON body), or a refused Bearer token (empty body "
        "with a WWW-Authenticate header)",
        "content": _json("ErrorResponse"),
    },
    "Forbidden": {
        "description": "Forbidden, or refused X-AUTH-USER/X-AUTH-TOKEN credentials",
        "content": _json("ErrorResponse", "AuthenticationFailed"),
    },
    "NotFound": {"description": "Not found", "content": _json("ErrorResponse")},
    "PayloadTooLarge": {"description": "The body is too large", "content": _json("ErrorResponse")},
    "TooManyRequests": {
        "description": "Too many failed API-password logins from this client or for this user",
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
        "content": _json("ErrorResponse"),
    },
}
EVERY_OPERATION = {
    "400": "BadRequest",
    "401": "Unauthorized",
    "403": "Forbidden",
    "404": "NotFound",
    "429": "TooManyRequests",
}
WITH_BODY = {"413": "PayloadTooLarge"}
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def is_documented_path(path: str) -> bool:
    """Every /api route except the documentation itself; web pages are not part of the API."""
    return (path == "/api" or path.startswith("/api/")) and not path.startswith("/api/doc")


def build_openapi(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document of the app's /api routes, without `servers` (set per request)."""
    document = get_openapi(title=app.title, version=app.version, description=DESCRIPTION, routes=app.routes)
    generated = document.get("components", {}).get("schemas", {})
    document["paths"] = {
        path: item for path, item in document.get("paths", {}).items() if is_documented_path(path)
    }
    # Shapes FastAPI derived from excluded routes (web forms) go with them.
    kept = _referenced_schemas({"paths": document["paths"]}, generated)
    document.setdefault("components", {})["schemas"] = {
        name: generated[name] for name in generated if name in kept
    }
    return complete_openapi(document)


def _referenced_schemas(node: Any, schemas: dict[str, Any], found: set[str] | None = None) -> set[str]:
    found = set() if found is None else found
    if isinstance(node, dict):
        target = node.get("$ref")
        if isinstance(target, str) and target.startswith("#/components/schemas/"):
            name = target.rsplit("/", 1)[1]
            if name not in found:
                found.add(name)
                _referenced_schemas(schemas.get(name), schemas, found)
        for value in node.values():
            _referenced_schemas(value, schemas, found)
    elif isinstance(node, list):
        for value in node:
            _referenced_schemas(value, schemas, found)
    return found


def complete_openapi(document: dict[str, Any]) -> dict[str, Any]:
    """Adds Kimai's schemas, security, tags and error answers to a document FastAPI generated."""
    document = copy.deepcopy(document)
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    # FastAPI's own 422 shapes never apply: Horae answers bad input with Kimai's 400.
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas.update(copy.deepcopy(SCHEMAS))
    schemas.update(copy.deepcopy(ERROR_SCHEMAS))
    components["responses"] = copy.deepcopy(ERROR_RESPONSES)
    components["securitySchemes"] = copy.deepcopy(SECURITY_SCHEMES)
    document["security"] = copy.deepcopy(SECURITY)

    used_tags: set[str] = set()
    paths: dict[str, dict[str, Any]] = document.setdefault("paths", {})
    for path, item in paths.items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            operation["tags"] = operation.get("tags") or ["Default"]
            used_tags.update(operation["tags"])
            _complete_parameters(operation)
            _complete_responses(operation)
        _add_links(path, item, paths)
    known = [name for name in KIMAI_TAGS if name in used_tags]
    document["tags"] = [{"name": name} for name in known + sorted(used_tags - set(KIMAI_TAGS))]
    return document


def _complete_parameters(operation: dict[str, Any]) -> None:
    for parameter in operation.get("parameters", []):
        # A query string has no null: `str | None` is documented as an optional string.
        schema = parameter.get("schema", {})
        variants = schema.get("anyOf")
        if variants:
            concrete = [variant for variant in variants if variant.get("type") != "null"]
            if len(concrete) == 1:
                merged = {key: value for key, value in schema.items() if key != "anyOf"}
                merged.update(concrete[0])
                parameter["schema"] = merged


def _complete_responses(operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    responses.pop("422", None)
    statuses = {**EVERY_OPERATION, **(WITH_BODY if "requestBody" in operation else {})}
    for status, name in statuses.items():
        existing = responses.get(status)
        # An answer a route describes with its own body stays; a bare description gets Kimai's body.
        if existing is None or ("content" not in existing and "$ref" not in existing):
            responses[status] = {"$ref": f"#/components/responses/{name}"}


def _add_links(path: str, item: dict[str, Any], paths: dict[str, dict[str, Any]]) -> None:
    """Links a creating POST to the operations on the created record (`/that/path/{id}`)."""
    create = item.get("post")
    target_item = paths.get(f"{path}/{{id}}")
    if create is None or target_item is None:
        return
    success = next(
        (answer for status, answer in create.get("responses", {}).items() if status in ("200", "201")), None
    )
    if success is None or "content" not in success:
        return
    links = success.setdefault("links", {})
    for method, target in target_item.items():
        if method in HTTP_METHODS and target.get("operationId"):
            links.setdefault(
                target["operationId"],
                {"operationId": target["operationId"], "parameters": {"id": "$response.body#/id"}},
            )


_build_lock = threading.Lock()


def openapi_document(app: FastAPI) -> dict[str, Any]:
    """Built once per application: the routes do not change after start-up."""
    document: dict[str, Any] | None = getattr(app.state, "openapi_document", None)
    if document is None:
        with _build_lock:
            document = getattr(app.state, "openapi_document", None)
            if document is None:
                document = build_openapi(app)
                app.state.openapi_document = document
    return document


def server_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.get("/doc.json", include_in_schema=False)
def doc_json(request: Request, session: SessionDep) -> Response:
    authenticate(request, session)
    document = {**openapi_document(request.app), "servers": [{"url": server_url(request)}]}
    return Response(orjson.dumps(document), media_type="application/json")


PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Horae API documentation</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="doc/assets/swagger-ui.css?v={version}">
</head>
<body>
  <div id="swagger-ui" data-spec-url="doc.json"></div>
  <script src="doc/assets/swagger-ui-bundle.js?v={version}"></script>
  <script src="doc/assets/swagger-init.js?v={version}"></script>
</body>
</html>
"""


@router.get("/doc", include_in_schema=False)
def doc_page(request: Request, session: SessionDep) -> Response:
    try:
        authenticate(request, session)
    except Unauthorized:
        return RedirectResponse(LOGIN_PATH, status_code=303)
    # Relative asset URLs keep working when Horae is served below a path prefix.
    html = PAGE.format(version=SWAGGER_UI_VERSION)
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})


@dataclass(frozen=True)
class Asset:
    path: Path
    media_type: str


ASSETS = {
    "swagger-ui.css": Asset(STATIC_DIR / "swagger" / "swagger-ui.css", "text/css; charset=utf-8"),
    "swagger-ui-bundle.js": Asset(
        STATIC_DIR / "swagger" / "swagger-ui-bundle.js", "text/javascript; charset=utf-8"
    ),
    "swagger-init.js": Asset(STATIC_DIR / "swagger-init.js", "text/javascript; charset=utf-8"),
    "LICENSE": Asset(STATIC_DIR / "swagger" / "LICENSE", "text/plain; charset=utf-8"),
    "NOTICE": Asset(STATIC_DIR / "swagger" / "NOTICE", "text/plain; charset=utf-8"),
}


@dataclass(frozen=True)
class LoadedAsset:
    raw: bytes
    compressed: bytes
    etag: str


@cache
def _load(name: str) -> LoadedAsset:
    raw = ASSETS[name].path.read_bytes()
    # Compressed once per process: the bundle shrinks from 1.7 MB to about a third.
    compressed = gzip.compress(raw, compresslevel=9, mtime=0)
    return LoadedAsset(raw, compressed, '"' + hashlib.sha256(raw).hexdigest()[:32] + '"')


@router.get("/doc/assets/{name}", include_in_schema=False)
def doc_asset(name: str, request: Request) -> Response:
    """Swagger UI's files: public, like any page's script, and cached by the browser."""
    asset = ASSETS.get(name)
    if asset is None:
        raise NotFound(name)
    loaded = _load(name)
    headers = {"ETag": loaded.etag, "Cache-Control": "public, max-age=86400", "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == loaded.etag:
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(loaded.compressed, media_type=asset.media_type, headers=headers)
    return Response(loaded.raw, media_type=asset.media_type, headers=headers)
