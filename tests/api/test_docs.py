"""/api/doc (Swagger UI) and /api/doc.json (the OpenAPI document): access, content, assets."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import secrets
import shutil
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from openapi_spec_validator import validate

from horae.api.deps import SESSION_COOKIE
from horae.api.openapi import SCHEMAS
from horae.db import utcnow
from horae.security.passwords import sha256_hex
from horae.users.models import WebSession
from tests.http import http_client

SWAGGER_DIR = Path(__file__).parents[2] / "src" / "horae" / "api" / "static" / "swagger"


def contract_dir() -> Path | None:
    """The contract files (shared/kimai-api) live beside the repository, not inside it."""
    for folder in Path(__file__).resolve().parents:
        candidate = folder / "shared" / "kimai-api"
        if (candidate / "endpoints.json").is_file():
            return candidate
    return None


HTTP_METHODS = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}
# Paths Horae serves beyond Kimai's API; every other documented path must be one of Kimai's.
HORAE_ONLY_PATHS: set[tuple[str, str]] = set()


def signed_in_cookie(backend, user_id: int, *, expired: bool = False) -> dict[str, str]:
    """A browser session as the web login would store it."""
    token = secrets.token_urlsafe(32)
    expires_at = utcnow() + (timedelta(hours=-1) if expired else timedelta(hours=1))
    with backend.db.session() as session:
        session.add(
            WebSession(
                token_hash=sha256_hex(token), user_id=user_id, csrf_token="x" * 32, expires_at=expires_at
            )
        )
    return {SESSION_COOKIE: token}


def browser(backend, cookies: dict[str, str]) -> httpx.Client:
    return http_client(base_url=backend.base_url, cookies=cookies, timeout=30)


def operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


@pytest.fixture
def document(make_user):
    with make_user().client() as client:
        response = client.get("/api/doc.json")
    assert response.status_code == 200
    return response.json()


# --- access -----------------------------------------------------------------------------------


def test_doc_json_without_credentials_is_kimais_401(http):
    response = http.get("/api/doc.json")
    assert response.status_code == 401
    assert response.json() == {"code": 401, "message": "Unauthorized"}


def test_doc_json_answers_a_bearer_token(make_user, http):
    user = make_user()
    response = http.get("/api/doc.json", headers={"Authorization": f"Bearer {user.token}"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json()["openapi"].startswith("3.")


def test_doc_json_answers_the_api_password_headers(make_user, http):
    user = make_user()
    response = http.get("/api/doc.json", headers=user.legacy_headers)
    assert response.status_code == 200


def test_doc_json_answers_a_signed_in_browser(make_user, backend, http):
    user = make_user(token=False)
    with browser(backend, signed_in_cookie(backend, user.id)) as client:
        response = client.get("/api/doc.json")
    assert response.status_code == 200


def test_doc_json_refuses_a_wrong_api_password_like_the_api(make_user, http):
    user = make_user()
    response = http.get(
        "/api/doc.json", headers={"X-AUTH-USER": user.username, "X-AUTH-TOKEN": "wrong-password"}
    )
    assert response.status_code == 403
    assert response.json() == {"message": "Invalid credentials"}


def test_doc_json_with_an_expired_session_is_kimais_401(make_user, backend, http):
    user = make_user(token=False)
    with browser(backend, signed_in_cookie(backend, user.id, expired=True)) as client:
        response = client.get("/api/doc.json")
    assert response.status_code == 401
    assert response.json() == {"code": 401, "message": "Unauthorized"}


def test_doc_page_without_credentials_redirects_to_the_login_page(http):
    response = http.get("/api/doc")
    assert response.status_code == 303
    assert response.headers["location"] == "/login"


def test_doc_page_with_an_expired_session_redirects_to_the_login_page(make_user, backend, http):
    user = make_user(token=False)
    with browser(backend, signed_in_cookie(backend, user.id, expired=True)) as client:
        response = client.get("/api/doc")
    assert response.status_code == 303
    assert response.headers["location"] == "/login"


def test_doc_page_shows_swagger_ui_to_a_signed_in_browser(make_user, backend, http):
    user = make_user(token=False)
    with browser(backend, signed_in_cookie(backend, user.id)) as client:
        response = client.get("/api/doc")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert 'id="swagger-ui"' in response.text
    assert 'data-spec-url="doc.json"' in response.text


def test_doc_page_answers_api_credentials(make_user, http):
    user = make_user()
    response = http.get("/api/doc", headers=user.headers)
    assert response.status_code == 200
    assert "swagger-ui-bundle.js" in response.text


def test_doc_page_loads_nothing_from_outside_horae(make_user, http):
    user = make_user()
    page = http.get("/api/doc", headers=user.headers).text
    urls = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert urls == [
        "data:,",
        "doc/assets/swagger-ui.css?v=5.35.0",
        "doc/assets/swagger-ui-bundle.js?v=5.35.0",
        "doc/assets/swagger-init.js?v=5.35.0",
    ]
    initializer = http.get("/api/doc/assets/swagger-init.js").text
    # Swagger UI would otherwise ask validator.swagger.io to check the document.
    assert "validatorUrl: null" in initializer


# --- assets -----------------------------------------------------------------------------------


def vendored_checksums() -> dict[str, str]:
    lines = (SWAGGER_DIR / "VERSION").read_text().splitlines()
    return {name: digest for digest, name in (line.split() for line in lines[2:])}


def test_vendored_swagger_ui_files_are_the_pinned_release_unchanged():
    lines = (SWAGGER_DIR / "VERSION").read_text().splitlines()
    assert lines[0] == "swagger-ui-dist 5.35.0"
    checksums = vendored_checksums()
    assert set(checksums) == {
        "swagger-ui-bundle.js",
        "swagger-ui-bundle.js.LICENSE.txt",
        "swagger-ui.css",
        "LICENSE",
        "NOTICE",
    }
    for name, digest in checksums.items():
        assert hashlib.sha256((SWAGGER_DIR / name).read_bytes()).hexdigest() == digest, name
    assert "Apache License" in (SWAGGER_DIR / "LICENSE").read_text()


def test_swagger_ui_bundle_is_served_without_credentials(http):
    response = http.get("/api/doc/assets/swagger-ui-bundle.js", headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert hashlib.sha256(response.content).hexdigest() == vendored_checksums()["swagger-ui-bundle.js"]


def test_swagger_ui_stylesheet_is_served_as_css(http):
    response = http.get("/api/doc/assets/swagger-ui.css")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/css; charset=utf-8"


def test_swagger_ui_licence_is_served_beside_it(http):
    response = http.get("/api/doc/assets/LICENSE")
    assert response.status_code == 200
    assert "Apache License" in response.text


def test_assets_are_gzipped_for_clients_that_accept_it(backend):
    # httpx would decode transparently; read the raw bytes to see what travelled.
    url = backend.base_url + "/api/doc/assets/swagger-ui-bundle.js"
    with httpx.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as response:
        raw = b"".join(response.iter_raw())
    assert response.headers["content-encoding"] == "gzip"
    assert len(raw) < 700_000
    assert hashlib.sha256(gzip.decompress(raw)).hexdigest() == vendored_checksums()["swagger-ui-bundle.js"]


def test_assets_are_cached_and_revalidated_by_etag(http):
    first = http.get("/api/doc/assets/swagger-ui.css")
    assert first.headers["cache-control"] == "public, max-age=86400"
    again = http.get("/api/doc/assets/swagger-ui.css", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""


def test_unknown_asset_is_kimais_404(http):
    response = http.get("/api/doc/assets/index.html")
    assert response.status_code == 404
    assert response.json() == {"code": 404, "message": "Not Found"}


def test_asset_names_cannot_climb_out_of_the_asset_folder(http):
    response = http.get("/api/doc/assets/..%2F..%2Fdocs.py")
    assert response.status_code == 404


# --- the document -----------------------------------------------------------------------------


def test_document_is_valid_openapi(document):
    validate(document)
    assert document["openapi"] == "3.1.0"


def test_document_names_the_server_it_was_fetched_from(document, backend):
    assert document["servers"] == [{"url": backend.base_url}]


def test_document_describes_horae_and_the_kimai_release_it_follows(document):
    assert document["info"]["title"] == "Horae API"
    assert "Kimai 2.66.0" in document["info"]["description"]


def test_document_offers_bearer_tokens_and_the_api_password_headers(document):
    assert document["components"]["securitySchemes"] == {
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
    assert document["security"] == [{"apiToken": []}, {"apiUser": [], "apiPassword": []}]


def test_document_lists_only_api_paths_and_not_itself(document):
    paths = set(document["paths"])
    assert {
        "/api/ping",
        "/api/version",
        "/api/plugins",
        "/api/config/timesheet",
        "/api/config/colors",
    } <= paths
    assert all(path.startswith("/api/") for path in paths)
    assert not any(path.startswith("/api/doc") for path in paths)


def test_every_documented_operation_is_one_of_kimais(document):
    folder = contract_dir()
    if folder is None:
        pytest.skip("the contract files (shared/kimai-api) are not beside this checkout")
    contract = set()
    for name in ("endpoints.json", "timesheet-endpoints.json"):
        for endpoint in json.loads((folder / name).read_text()):
            contract.add((endpoint["method"].lower(), re.sub(r"\{[^}]+\}", "{}", endpoint["path"])))
    documented = {
        (method, re.sub(r"\{[^}]+\}", "{}", path))
        for path, method, operation in operations(document)
        if not operation.get("x-horae-extension")
    }
    assert documented - contract - HORAE_ONLY_PATHS == set()


def test_horae_extensions_are_tagged_and_stay_off_kimais_paths(document):
    extensions = [(path, op) for path, _, op in operations(document) if op.get("x-horae-extension")]
    for path, operation in extensions:
        assert operation["tags"] == ["Horae extension"], path
        assert path.startswith(("/api/horae/", "/api/export/timesheets.")), path


def test_every_operation_has_a_unique_id_a_summary_and_a_known_tag(document):
    tags = [tag["name"] for tag in document["tags"]]
    seen = set()
    for path, method, operation in operations(document):
        assert operation.get("operationId"), (method, path)
        assert operation["operationId"] not in seen, operation["operationId"]
        seen.add(operation["operationId"])
        assert operation.get("summary"), (method, path)
        assert operation["tags"] and set(operation["tags"]) <= set(tags), (method, path)
    assert len(tags) == len(set(tags))


def test_status_routes_carry_kimais_tags(document):
    assert document["paths"]["/api/ping"]["get"]["tags"] == ["Default"]
    assert document["paths"]["/api/config/colors"]["get"]["tags"] == ["Default"]
    assert document["paths"]["/api/config/timesheet"]["get"]["tags"] == ["Default"]
    assert document["tags"][0] == {"name": "Default"}


def test_every_operation_documents_kimais_error_bodies(document):
    for path, method, operation in operations(document):
        responses = operation["responses"]
        assert "422" not in responses, (method, path)
        assert responses["401"] == {"$ref": "#/components/responses/Unauthorized"}, (method, path)
        for status in ("400", "403", "404"):
            assert status in responses, (method, path, status)
        if "requestBody" in operation:
            assert "413" in responses, (method, path)


def test_error_bodies_are_described_as_kimai_writes_them(document):
    schemas = document["components"]["schemas"]
    assert schemas["ErrorResponse"]["required"] == ["code", "message"]
    assert schemas["ErrorResponse"]["additionalProperties"] is False
    assert schemas["AuthenticationFailed"]["properties"] == {"message": {"type": "string"}}
    assert schemas["ValidationFailed"]["properties"]["code"] == {"type": "integer", "enum": [400]}
    assert schemas["ServiceValidationFailed"]["properties"]["code"] == {"type": "string", "enum": ["400"]}
    forbidden = document["components"]["responses"]["Forbidden"]["content"]["application/json"]["schema"]
    assert forbidden == {
        "anyOf": [
            {"$ref": "#/components/schemas/ErrorResponse"},
            {"$ref": "#/components/schemas/AuthenticationFailed"},
        ]
    }


def test_every_registered_kimai_schema_is_a_component(document):
    assert set(SCHEMAS) <= set(document["components"]["schemas"])
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_status_answers_refer_to_kimais_shapes(document):
    version = document["paths"]["/api/version"]["get"]["responses"]["200"]
    assert version["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Version"}
    plugins = document["paths"]["/api/plugins"]["get"]["responses"]["200"]
    assert plugins["content"]["application/json"]["schema"] == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/Plugin"},
    }


def test_query_parameters_are_never_documented_as_null(document):
    for path, method, operation in operations(document):
        for parameter in operation.get("parameters", []):
            assert "null" not in json.dumps(parameter["schema"]), (method, path, parameter["name"])


def test_the_timesheet_list_documents_the_query_parameters_it_reads(document):
    parameters = document["paths"]["/api/timesheets"]["get"]["parameters"]
    assert [(p["name"], p["in"], p["required"], p["schema"]["type"]) for p in parameters] == [
        (name, "query", False, "array" if name.endswith("[]") else "string")
        for name in (
            "user", "users[]", "customer", "customers[]", "project", "projects[]", "activity",
            "activities[]", "tags[]", "begin", "end", "exported", "active", "billable", "full",
            "term", "modified_after", "orderBy", "order", "page", "size",
        )
    ]  # fmt: skip
    assert all(parameter["description"] for parameter in parameters)


def test_every_reference_resolves(document):
    text = json.dumps(document)
    for target in set(re.findall(r'"\$ref": "#/components/(\w+)/(\w+)"', text)):
        kind, name = target
        assert name in document["components"][kind], target


# --- in a browser -----------------------------------------------------------------------------


@pytest.mark.browser
def test_swagger_ui_renders_and_runs_an_operation_without_leaving_horae(make_user, backend):
    from playwright.sync_api import sync_playwright

    user = make_user(token=False)
    cookie = signed_in_cookie(backend, user.id)[SESSION_COOKIE]
    outside: list[str] = []
    with sync_playwright() as playwright:
        browser_process = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=["--no-sandbox"]
        )
        try:
            context = browser_process.new_context()
            context.add_cookies([{"name": SESSION_COOKIE, "value": cookie, "url": backend.base_url}])
            page = context.new_page()
            page.on(
                "request",
                lambda r: None if r.url.startswith((backend.base_url, "data:")) else outside.append(r.url),
            )
            page.goto(f"{backend.base_url}/api/doc")
            page.click("#operations-tag-Default")
            page.click("#operations-Default-get_version")
            page.click("#operations-Default-get_version .try-out__btn")
            page.click("#operations-Default-get_version .execute")
            page.wait_for_selector(".live-responses-table")
            answer = page.inner_text(".live-responses-table .response-col_description .microlight")
        finally:
            browser_process.close()
    assert '"version": "2.66.0"' in answer
    assert outside == []
