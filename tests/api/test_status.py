"""Status and configuration endpoints, and the wire conventions every endpoint shares."""

from __future__ import annotations


def test_ping_answers_pong_to_an_api_password(make_user, http):
    user = make_user()
    response = http.get("/api/ping", headers=user.legacy_headers)
    assert response.status_code == 200
    assert response.json() == {"message": "pong"}


def test_ping_answers_pong_to_a_bearer_token(make_user, http):
    user = make_user()
    response = http.get("/api/ping", headers={"Authorization": f"Bearer {user.token}"})
    assert response.status_code == 200
    assert response.json() == {"message": "pong"}


def test_version_reports_the_emulated_kimai_release(make_user):
    with make_user().client() as client:
        body = client.get("/api/version").json()
    assert body == {"version": "2.66.0", "versionId": 26600, "copyright": "Kimai 2.66.0 by Kevin Papst."}


def test_plugins_is_an_empty_list(make_user):
    with make_user().client() as client:
        assert client.get("/api/plugins").json() == []


def test_timesheet_config_has_exactly_kimais_keys_and_defaults(make_user):
    with make_user().client() as client:
        body = client.get("/api/config/timesheet").json()
    assert body == {
        "trackingMode": "default",
        "defaultBeginTime": "now",
        "activeEntriesHardLimit": 1,
        "isAllowFutureTimes": True,
        "isAllowOverlapping": True,
    }


def test_colors_lists_the_default_palette_in_order(make_user):
    with make_user().client() as client:
        body = client.get("/api/config/colors").json()
    assert list(body.items())[:3] == [("Silver", "#c0c0c0"), ("Gray", "#808080"), ("Black", "#000000")]
    assert body["Lavender"] == "#E6E6FA"
    assert len(body) == 27


def test_unknown_api_route_is_a_kimai_404(make_user):
    with make_user().client() as client:
        response = client.get("/api/config/i18n")
    assert response.status_code == 404
    assert response.json() == {"code": 404, "message": "Not Found"}


def test_wrong_method_is_a_kimai_405_with_allow(make_user):
    with make_user().client() as client:
        response = client.delete("/api/ping")
    assert response.status_code == 405
    assert response.json() == {"code": 405, "message": "Method Not Allowed"}
    assert "GET" in response.headers["allow"]


def test_cors_preflight_allows_kimai_headers(http):
    response = http.options(
        "/api/ping",
        headers={
            "Origin": "https://client.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "X-AUTH-USER, X-AUTH-TOKEN",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["access-control-max-age"] == "3600"


def test_cors_exposes_the_pagination_headers(make_user):
    with make_user().client() as client:
        response = client.get("/api/ping", headers={"Origin": "https://client.example"})
    exposed = {h.strip().lower() for h in response.headers["access-control-expose-headers"].split(",")}
    assert exposed == {"x-page", "x-total-count", "x-total-pages", "x-per-page"}
