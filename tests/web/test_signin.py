"""Signing in and out of the web app, sessions, throttling and the forced password change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect, select, update

from horae.db import utcnow
from horae.security.authentication import LiveWebSession, authenticate_web_session
from horae.security.passwords import sha256_hex
from horae.users.models import AuthFailure, User, WebSession
from tests.factories.users import PASSWORD
from tests.factories.web import csrf_token, sign_in_over_http
from tests.http import http_client


def _sessions(backend, user_id):
    with backend.db.session(write=False) as session:
        return session.scalars(select(WebSession).where(WebSession.user_id == user_id)).all()


def test_an_anonymous_page_request_is_redirected_to_the_sign_in_page_with_next(http):
    response = http.get("/profile?x=1")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/profile%3Fx%3D1"


def test_the_dashboard_redirects_to_the_sign_in_page_and_back(http):
    response = http.get("/dashboard")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/dashboard"


def test_the_root_leads_to_the_dashboard(http):
    response = http.get("/")
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard"


def test_the_sign_in_form_carries_a_token_bound_to_a_cookie(http):
    response = http.get("/login")
    assert response.status_code == 200
    token = csrf_token(response.text)
    assert http.cookies["horae_csrf"] == token
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/login" in cookie


def test_signing_in_with_the_username_opens_a_database_session_and_goes_to_the_dashboard(
    make_user, backend, http
):
    user = make_user()
    response = sign_in_over_http(http, user.username)
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard"
    cookie = http.cookies["horae_session"]
    (stored,) = _sessions(backend, user.id)
    # Only the SHA-256 of the cookie is stored.
    assert stored.token_hash == sha256_hex(cookie)
    assert cookie not in (stored.token_hash, stored.csrf_token)
    assert stored.expires_at > utcnow() + timedelta(hours=11)


def test_the_session_cookie_is_http_only_and_same_site_lax_and_not_secure_over_http(make_user, http):
    user = make_user()
    response = sign_in_over_http(http, user.username)
    header = next(h for h in response.headers.get_list("set-cookie") if h.startswith("horae_session="))
    assert "HttpOnly" in header
    assert "SameSite=lax" in header
    assert "Path=/" in header
    assert "Secure" not in header


def test_the_session_cookie_is_secure_when_the_proxy_says_https(make_user, http):
    user = make_user()
    page = http.get("/login")
    response = http.post(
        "/login",
        data={"csrf_token": csrf_token(page.text), "login": user.username, "password": PASSWORD},
        headers={"X-Forwarded-Proto": "https"},
    )
    assert response.status_code == 303
    header = next(h for h in response.headers.get_list("set-cookie") if h.startswith("horae_session="))
    assert "Secure" in header


def test_signing_in_with_the_email_address_works(make_user, http):
    user = make_user()
    assert sign_in_over_http(http, user.email).status_code == 303


def test_signing_in_returns_to_the_page_asked_for(make_user, http):
    user = make_user()
    page = http.get("/login", params={"next": "/profile"})
    assert 'name="next" value="/profile"' in page.text
    response = http.post(
        "/login",
        data={
            "csrf_token": csrf_token(page.text),
            "login": user.username,
            "password": PASSWORD,
            "next": "/profile",
        },
    )
    assert response.headers["location"] == "/profile"


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example", "profile"])
def test_a_next_address_outside_the_site_is_ignored(make_user, http, target):
    user = make_user()
    page = http.get("/login")
    response = http.post(
        "/login",
        data={
            "csrf_token": csrf_token(page.text),
            "login": user.username,
            "password": PASSWORD,
            "next": target,
        },
    )
    assert response.headers["location"] == "/dashboard"


def test_a_wrong_password_is_refused_with_a_message_and_no_session(make_user, backend, http):
    user = make_user()
    response = sign_in_over_http(http, user.username, "wrong-password")
    assert response.status_code == 422
    assert "Invalid username or password." in response.text
    assert f'value="{user.username}"' in response.text
    assert "horae_session" not in http.cookies
    assert _sessions(backend, user.id) == []


def test_an_unknown_user_gets_the_same_message(http):
    response = sign_in_over_http(http, "nobody", "whatever-123")
    assert response.status_code == 422
    assert "Invalid username or password." in response.text


def test_the_api_password_does_not_sign_in_to_the_web(make_user, http):
    user = make_user()
    response = sign_in_over_http(http, user.username, user.api_password)
    assert response.status_code == 422


def test_a_disabled_account_cannot_sign_in(make_user, http):
    user = make_user(enabled=False)
    response = sign_in_over_http(http, user.username)
    assert response.status_code == 403
    assert "Your account is disabled." in response.text
    assert "horae_session" not in http.cookies


def _failures(backend, key):
    with backend.db.session(write=False) as session:
        return sum(session.scalars(select(AuthFailure.count).where(AuthFailure.key == key)))


def _at_the_limit(backend, key, limit=5, window=60):
    """Fills the failure counter of this window and the next, so the test cannot straddle them."""
    now = utcnow().timestamp()
    with backend.db.session() as session:
        for start in (now // window * window, now // window * window + window):
            session.add(AuthFailure(key=key, window_start=datetime.fromtimestamp(start, UTC), count=limit))


def test_failed_sign_ins_are_counted_per_client_and_per_user(make_user, backend, http):
    user = make_user()
    for _ in range(3):
        assert sign_in_over_http(http, user.username.upper(), "wrong-password").status_code == 422
    assert _failures(backend, f"web-user:{user.username}") == 3
    assert _failures(backend, "web-ip:127.0.0.1") == 3
    # Below the limit the right password still works.
    assert sign_in_over_http(http, user.username).status_code == 303


def test_a_user_at_the_failure_limit_is_refused_even_with_the_right_password(make_user, backend, http):
    user = make_user()
    _at_the_limit(backend, f"web-user:{user.username}")
    response = sign_in_over_http(http, user.username)
    assert response.status_code == 429
    assert "Too many failed sign-in attempts. Please wait" in response.text
    assert "horae_session" not in http.cookies


def test_a_client_at_the_failure_limit_is_refused_for_every_user(make_user, backend, http):
    user = make_user()
    _at_the_limit(backend, "web-ip:127.0.0.1")
    assert sign_in_over_http(http, user.username).status_code == 429


def test_the_fifth_failure_reaches_the_limit(make_user, backend, http):
    user = make_user()
    first_window = utcnow().timestamp() // 60
    for _ in range(5):
        sign_in_over_http(http, user.username, "wrong-password")
    response = sign_in_over_http(http, user.username)
    if utcnow().timestamp() // 60 != first_window:
        pytest.skip("the attempts straddled two counting windows")
    assert response.status_code == 429


def test_failed_api_password_attempts_do_not_lock_the_web_sign_in(make_user, http):
    user = make_user()
    for _ in range(6):
        http.get("/api/ping", headers={"X-AUTH-USER": user.username, "X-AUTH-TOKEN": "wrong-api-password"})
    assert sign_in_over_http(http, user.username).status_code == 303


def test_the_web_session_authenticates_api_calls(make_user, web_session):
    session = web_session(make_user())
    response = session.get("/api/ping")
    assert response.status_code == 200
    assert response.json() == {"message": "pong"}


def test_a_signed_in_visit_of_the_sign_in_page_goes_to_the_dashboard(make_user, web_session):
    session = web_session(make_user())
    response = session.get("/login")
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard"


def test_signing_out_ends_the_session_everywhere(make_user, backend, web_session):
    user = make_user()
    session = web_session(user)
    cookie = session.client.cookies["horae_session"]
    response = session.post_form("/logout")
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert _sessions(backend, user.id) == []
    with http_client(base_url=backend.base_url, cookies={"horae_session": cookie}) as stale:
        assert stale.get("/dashboard").headers["location"] == "/login?next=/dashboard"
        assert stale.get("/api/ping").status_code == 401


def test_an_expired_session_sends_the_browser_to_sign_in(make_user, backend, web_session):
    user = make_user()
    session = web_session(user)
    with backend.db.session() as db_session:
        db_session.execute(
            update(WebSession)
            .where(WebSession.user_id == user.id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    response = session.get("/profile")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/profile"


def test_using_a_session_renews_its_idle_deadline(make_user, backend, web_session):
    user = make_user()
    session = web_session(user)
    soon = utcnow() + timedelta(hours=2)
    with backend.db.session() as db_session:
        db_session.execute(update(WebSession).where(WebSession.user_id == user.id).values(expires_at=soon))
    assert session.get("/dashboard").status_code == 200
    (stored,) = _sessions(backend, user.id)
    assert stored.expires_at > utcnow() + timedelta(hours=11)


def test_a_session_cookie_gives_the_stored_session_and_its_account_detached(make_user, backend, web_session):
    """The account as a detached instance, the session as the plain values of its row."""
    user = make_user(timezone="Asia/Tokyo", language="de")
    client = web_session(user).client
    cookie = client.cookies["horae_session"]
    (stored,) = _sessions(backend, user.id)
    with backend.db.session(write=False) as session:
        account, found = authenticate_web_session(session, cookie)
        assert isinstance(found, LiveWebSession) and inspect(account).detached
        assert (found.id, found.user_id, found.token_hash, found.csrf_token) == (
            stored.id, user.id, sha256_hex(cookie), stored.csrf_token,
        )  # fmt: skip
        assert (found.created_at, found.expires_at) == (stored.created_at, stored.expires_at)
        assert found.expires_at.tzinfo is not None
        assert (account.id, account.preference("timezone"), account.preference("language")) == (
            user.id, "Asia/Tokyo", "de",
        )  # fmt: skip
        assert authenticate_web_session(session, cookie + "x") is None


def test_a_disabled_account_loses_its_session(make_user, backend, web_session):
    user = make_user()
    session = web_session(user)
    with backend.db.session() as db_session:
        db_session.execute(update(User).where(User.id == user.id).values(enabled=False))
    assert session.get("/dashboard").status_code == 303


# --- forced password change -------------------------------------------------------------------


def test_an_account_that_must_change_its_password_is_sent_to_the_change_page(make_user, http):
    user = make_user(requires_password_reset=True)
    response = sign_in_over_http(http, user.username)
    assert response.headers["location"] == "/password/change"
    for path in ("/dashboard", "/profile", "/admin/settings"):
        response = http.get(path)
        assert response.status_code == 303
        assert response.headers["location"] == "/password/change"
    page = http.get("/password/change")
    assert page.status_code == 200
    assert "Choose a new password" in page.text


@pytest.mark.parametrize(
    ("password", "repeat", "message"),
    [
        ("short", "short", "This value is too short. It should have 8 characters or more."),
        ("x" * 61, "x" * 61, "This value is too long. It should have 60 characters or less."),
        ("new-password-1", "new-password-2", "The password fields must match."),
        (PASSWORD, PASSWORD, "The new password must differ from the current one."),
        ("", "", "This value should not be blank."),
    ],
)
def test_the_forced_password_change_checks_the_new_password(make_user, http, password, repeat, message):
    user = make_user(requires_password_reset=True)
    sign_in_over_http(http, user.username)
    token = csrf_token(http.get("/password/change").text)
    response = http.post(
        "/password/change", data={"csrf_token": token, "password": password, "password_repeat": repeat}
    )
    assert response.status_code == 422
    assert message in response.text
    assert http.get("/dashboard").headers["location"] == "/password/change"


def test_the_forced_password_change_replaces_the_password_and_lifts_the_block(make_user, backend, http):
    user = make_user(requires_password_reset=True)
    sign_in_over_http(http, user.username)
    token = csrf_token(http.get("/password/change").text)
    response = http.post(
        "/password/change",
        data={"csrf_token": token, "password": "brand-new-secret", "password_repeat": "brand-new-secret"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard?saved=password"
    dashboard = http.get("/dashboard?saved=password")
    assert dashboard.status_code == 200
    assert "Your password has been changed." in dashboard.text
    with http_client(base_url=backend.base_url) as other:
        assert sign_in_over_http(other, user.username, PASSWORD).status_code == 422
        assert sign_in_over_http(other, user.username, "brand-new-secret").status_code == 303


def test_the_change_page_is_left_alone_when_no_change_is_pending(make_user, web_session):
    session = web_session(make_user())
    response = session.get("/password/change")
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard"
