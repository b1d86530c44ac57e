"""The profile page: personal data, preferences, passwords and API access."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from horae.db import utcnow
from horae.users.models import AccessToken
from tests.factories.users import PASSWORD, load_user
from tests.factories.web import sign_in_over_http
from tests.http import http_client

NEW_TOKEN = re.compile(r'id="new-token-value"[^>]*value="([0-9a-f]+)"')


def _token(response):
    match = NEW_TOKEN.search(response.text)
    assert match, "the new token is not on the page"
    return match.group(1)


def _tokens(backend, user_id):
    with backend.db.session(write=False) as session:
        return session.scalars(select(AccessToken).where(AccessToken.user_id == user_id)).all()


def test_the_profile_shows_every_section_to_a_user(make_user, web_session):
    session = web_session(make_user(alias="Ada Lovelace"))
    page = session.get("/profile")
    assert page.status_code == 200
    for heading in (
        "Personal data",
        "Preferences",
        "Password",
        "API access",
        "Access tokens",
        "API password",
    ):
        assert f">{heading}</h" in page.text
    assert 'value="Ada Lovelace"' in page.text
    assert 'href="/api/doc"' in page.text
    # The hourly rate is for those allowed to see it.
    assert 'name="hourly_rate"' not in page.text


def test_the_profile_needs_few_queries(make_user, backend, web_session):
    user = make_user()
    session = web_session(user)
    for number in range(5):
        session.post_form("/profile/tokens", {"name": f"token {number}"})
    counter = backend.count_queries()
    assert session.get("/profile").status_code == 200
    # Session and user (3), the page's own queries, and at most one reload of the permission matrix.
    assert len(counter) <= 7, counter.statements


# --- personal data ---------------------------------------------------------------------------


def test_personal_data_is_saved(make_user, backend, web_session):
    user = make_user()
    session = web_session(user)
    response = session.post_form(
        "/profile/personal",
        {
            "alias": " Grace ",
            "title": "Admiral",
            "email": "grace@example.com",
            "account_number": "A-7",
            "color": "#1e90ff",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/profile?saved=personal"
    assert "Your personal data has been saved." in session.get("/profile?saved=personal").text
    stored = load_user(backend, user.id)
    assert (stored.alias, stored.title, stored.email, stored.account_number, stored.color) == (
        "Grace",
        "Admiral",
        "grace@example.com",
        "A-7",
        "#1e90ff",
    )


def test_empty_personal_fields_are_cleared(make_user, backend, web_session):
    user = make_user(alias="Someone", title="Boss")
    session = web_session(user)
    session.post_form("/profile/personal", {"alias": "", "title": "", "email": user.email, "color": ""})
    stored = load_user(backend, user.id)
    assert (stored.alias, stored.title, stored.color) == (None, None, None)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": ""}, "This value should not be blank."),
        ({"email": "not-an-address"}, "This value is not a valid email address."),
        (
            {"email": "ok@example.com", "alias": "x" * 61},
            "This value is too long. It should have 60 characters or less.",
        ),
        ({"email": "ok@example.com", "title": "<b>"}, "These characters are not allowed: &lt; &gt; &#34; ="),
        ({"email": "ok@example.com", "color": "#123456"}, "The selected choice is invalid."),
    ],
)
def test_invalid_personal_data_is_refused_with_the_field_message(
    make_user, backend, web_session, data, message
):
    user = make_user()
    session = web_session(user)
    response = session.post_form("/profile/personal", data)
    assert response.status_code == 422
    assert message in response.text
    assert 'aria-invalid="true"' in response.text
    assert load_user(backend, user.id).email == user.email


@pytest.mark.parametrize("taken", ["email", "username"])
def test_an_email_another_user_signs_in_with_is_refused(make_user, backend, web_session, taken):
    other = make_user(username="clash@example.org", email="clash@example.com")
    user = make_user()
    session = web_session(user)
    response = session.post_form("/profile/personal", {"email": getattr(other, taken).upper()})
    assert response.status_code == 422
    assert "The email is already used." in response.text
    assert load_user(backend, user.id).email == user.email


# --- preferences -----------------------------------------------------------------------------


def test_preferences_are_saved(make_user, backend, web_session):
    user = make_user()
    session = web_session(user)
    response = session.post_form(
        "/profile/preferences",
        {"timezone": "America/New_York", "language": "de", "locale": "de_AT", "first_weekday": "sunday"},
    )
    assert response.status_code == 303
    stored = load_user(backend, user.id)
    assert stored.preference("timezone") == "America/New_York"
    assert stored.preference("language") == "de"
    assert stored.preference("locale") == "de_AT"
    assert stored.preference("first_weekday") == "sunday"
    assert "Ihre Einstellungen wurden gespeichert." in session.get("/profile?saved=preferences").text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("timezone", "Mars/Olympus", "This value is not a valid timezone."),
        ("language", "xx", "The selected choice is invalid."),
        ("locale", "xx", "This value is not a valid locale."),
        ("first_weekday", "friday", "The selected choice is invalid."),
    ],
)
def test_invalid_preferences_are_refused(make_user, backend, web_session, field, value, message):
    user = make_user()
    session = web_session(user)
    data = {"timezone": "UTC", "language": "en", "locale": "en", "first_weekday": "monday", field: value}
    response = session.post_form("/profile/preferences", data)
    assert response.status_code == 422
    assert message in response.text
    assert load_user(backend, user.id).preference("timezone") == "Europe/Berlin"


def test_a_user_without_the_hourly_rate_permission_cannot_set_it(make_user, backend, web_session):
    user = make_user()
    session = web_session(user)
    data = {
        "timezone": "UTC",
        "language": "en",
        "locale": "en",
        "first_weekday": "monday",
        "hourly_rate": "99",
    }
    assert session.post_form("/profile/preferences", data).status_code == 303
    assert load_user(backend, user.id).preference("hourly_rate") is None


def test_a_team_lead_sets_the_hourly_rate(make_user, backend, web_session):
    user = make_user("ROLE_TEAMLEAD")
    session = web_session(user)
    assert 'name="hourly_rate"' in session.get("/profile").text
    data = {
        "timezone": "UTC",
        "language": "en",
        "locale": "en",
        "first_weekday": "monday",
        "hourly_rate": "85.5",
    }
    assert session.post_form("/profile/preferences", {**data, "internal_rate": ""}).status_code == 303
    stored = load_user(backend, user.id)
    assert stored.preference("hourly_rate") == "85.50"
    assert stored.preference("internal_rate") is None
    response = session.post_form("/profile/preferences", {**data, "hourly_rate": "-1"})
    assert response.status_code == 422
    assert "This value should be greater than or equal to 0." in response.text


def test_the_page_speaks_the_chosen_language_and_formats_in_the_chosen_locale(make_user, web_session):
    session = web_session(make_user(language="de"))
    page = session.get("/profile")
    assert '<html lang="de">' in page.text
    assert "Mein Profil" in page.text
    assert "Persönliche Daten" in page.text


# --- password ----------------------------------------------------------------------------------


def test_the_password_is_changed_and_other_sessions_end(make_user, backend, web_session):
    user = make_user()
    other = web_session(user)
    session = web_session(user)
    response = session.post_form(
        "/profile/password",
        {"current_password": PASSWORD, "password": "a-new-password", "password_repeat": "a-new-password"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/profile?saved=password"
    assert session.get("/profile").status_code == 200
    assert other.get("/profile").status_code == 303
    with http_client(base_url=backend.base_url) as client:
        assert sign_in_over_http(client, user.username, "a-new-password").status_code == 303


@pytest.mark.parametrize(
    ("current", "new", "repeat", "message"),
    [
        (
            "wrong-password",
            "a-new-password",
            "a-new-password",
            "This value should be the user&#39;s current password.",
        ),
        (PASSWORD, "short", "short", "This value is too short. It should have 8 characters or more."),
        (PASSWORD, "a-new-password", "another-password", "The password fields must match."),
    ],
)
def test_a_bad_password_change_is_refused(make_user, backend, web_session, current, new, repeat, message):
    user = make_user()
    session = web_session(user)
    response = session.post_form(
        "/profile/password", {"current_password": current, "password": new, "password_repeat": repeat}
    )
    assert response.status_code == 422
    assert message in response.text
    # Typed secrets are never sent back.
    assert f'value="{new}"' not in response.text and f'value="{current}"' not in response.text
    with http_client(base_url=backend.base_url) as client:
        assert sign_in_over_http(client, user.username, PASSWORD).status_code == 303


# --- API password and access tokens ----------------------------------------------------------


def test_the_api_password_set_in_the_profile_works_for_the_api(make_user, http, web_session):
    user = make_user(api_password=None)
    session = web_session(user)
    assert "No API password is set." in session.get("/profile").text
    response = session.post_form(
        "/profile/api-password", {"api_password": "my-api-secret", "api_password_repeat": "my-api-secret"}
    )
    assert response.status_code == 303
    assert "An API password is set." in session.get("/profile").text
    ping = http.get("/api/ping", headers={"X-AUTH-USER": user.username, "X-AUTH-TOKEN": "my-api-secret"})
    assert ping.status_code == 200


@pytest.mark.parametrize(
    ("new", "repeat", "message"),
    [
        ("short", "short", "This value is too short. It should have 8 characters or more."),
        ("z" * 61, "z" * 61, "This value is too long. It should have 60 characters or less."),
        ("my-api-secret", "my-api-secreT", "The password fields must match."),
    ],
)
def test_a_bad_api_password_is_refused(make_user, http, web_session, new, repeat, message):
    user = make_user()
    session = web_session(user)
    response = session.post_form(
        "/profile/api-password", {"api_password": new, "api_password_repeat": repeat}
    )
    assert response.status_code == 422
    assert message in response.text
    assert http.get("/api/ping", headers=user.legacy_headers).status_code == 200


def test_a_created_token_is_shown_once_and_works_as_bearer(make_user, backend, http, web_session):
    user = make_user(token=False)
    session = web_session(user)
    response = session.post_form("/profile/tokens", {"name": "  CLI  "})
    assert response.status_code == 200
    plain = _token(response)
    assert http.get("/api/ping", headers={"Authorization": f"Bearer {plain}"}).status_code == 200
    (stored,) = _tokens(backend, user.id)
    assert stored.name == "CLI"
    assert plain not in session.get("/profile").text
    assert ">CLI</th>" in session.get("/profile").text


def test_a_token_with_an_expiry_date_lists_it(make_user, backend, web_session):
    user = make_user(token=False)
    session = web_session(user)
    expires = date.today() + timedelta(days=30)
    assert (
        session.post_form("/profile/tokens", {"name": "Expiring", "expires": expires.isoformat()}).status_code
        == 200
    )
    (stored,) = _tokens(backend, user.id)
    assert stored.expires_at is not None and stored.expires_at > utcnow()
    page = session.get("/profile").text
    assert expires.strftime("%b") in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "x"}, "This value should have between 2 and 50 characters."),
        ({"name": "y" * 51}, "This value should have between 2 and 50 characters."),
        ({"name": "ok", "expires": "2001-01-01"}, "The expiry date must be after today."),
        ({"name": "ok", "expires": "tomorrow"}, "Please enter a valid date."),
    ],
)
def test_a_bad_token_request_is_refused(make_user, backend, web_session, data, message):
    user = make_user(token=False)
    session = web_session(user)
    response = session.post_form("/profile/tokens", data)
    assert response.status_code == 422
    assert message in response.text
    assert _tokens(backend, user.id) == []


def test_a_revoked_token_stops_working_at_once(make_user, backend, http, web_session):
    user = make_user()
    session = web_session(user)
    assert http.get("/api/ping", headers=user.headers).status_code == 200
    (stored,) = _tokens(backend, user.id)
    response = session.post_form(f"/profile/tokens/{stored.id}/revoke")
    assert response.status_code == 303
    assert response.headers["location"] == "/profile?saved=token_revoked"
    assert http.get("/api/ping", headers=user.headers).status_code == 401
    assert _tokens(backend, user.id) == []


def test_nobody_revokes_another_users_token(make_user, backend, http, web_session):
    owner = make_user()
    session = web_session(make_user())
    (stored,) = _tokens(backend, owner.id)
    response = session.post_form(f"/profile/tokens/{stored.id}/revoke")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert http.get("/api/ping", headers=owner.headers).status_code == 200


def test_revoking_an_unknown_token_is_a_404_page(make_user, web_session):
    session = web_session(make_user())
    assert session.post_form("/profile/tokens/999999/revoke").status_code == 404
    assert session.post_form("/profile/tokens/abc/revoke").status_code == 404
