"""The web app in a real browser: signing in and out, the profile's API access, forced changes."""

from __future__ import annotations

import pytest

from tests.factories.users import PASSWORD
from tests.http import http_client

pytestmark = pytest.mark.browser


def sign_in(page, login, password=PASSWORD):
    page.goto("/login")
    page.get_by_label("Username or e-mail").fill(login)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_signing_in_opens_the_dashboard(page, make_user):
    user = make_user(alias="Ada Lovelace")
    sign_in(page, user.username)
    page.wait_for_url("**/dashboard")
    assert page.get_by_role("heading", level=1).inner_text() == "Hello, Ada Lovelace"
    assert page.locator(".user-name").inner_text() == "Ada Lovelace"
    assert page.get_by_role("link", name="Dashboard").get_attribute("aria-current") == "page"


def test_a_wrong_password_shows_a_message(page, make_user):
    user = make_user()
    sign_in(page, user.username, "not-my-password")
    alert = page.get_by_role("alert")
    assert alert.inner_text() == "Invalid username or password."
    assert page.url.endswith("/login")
    assert page.get_by_label("Username or e-mail").input_value() == user.username


def test_signing_in_returns_to_the_page_asked_for(page, make_user):
    user = make_user()
    page.goto("/profile")
    page.wait_for_url("**/login?next=/profile")
    page.get_by_label("Username or e-mail").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/profile")
    assert page.get_by_role("heading", level=1).inner_text() == "My profile"


def test_signing_out_ends_the_session(page, make_user):
    user = make_user()
    sign_in(page, user.username)
    page.wait_for_url("**/dashboard")
    page.locator(".user-menu summary").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")
    page.goto("/dashboard")
    page.wait_for_url("**/login?next=/dashboard")
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in"


def test_api_password_and_token_made_in_the_profile_work_for_the_api(page, make_user, backend):
    user = make_user(api_password=None, token=False)
    sign_in(page, user.username)
    page.wait_for_url("**/dashboard")
    page.goto("/profile")

    page.get_by_label("New API password").fill("browser-api-secret")
    page.get_by_label("Repeat the API password").fill("browser-api-secret")
    page.get_by_role("button", name="Set API password").click()
    page.wait_for_url("**/profile?saved=api_password*")
    assert "Your API password has been set." in page.get_by_role("status").first.inner_text()

    page.get_by_label("Token name").fill("Browser test")
    page.get_by_role("button", name="Create token").click()
    token = page.get_by_label("New access token").input_value()
    assert len(token) == 40

    with http_client(base_url=backend.base_url) as api:
        legacy_headers = {"X-AUTH-USER": user.username, "X-AUTH-TOKEN": "browser-api-secret"}
        legacy = api.get("/api/ping", headers=legacy_headers)
        assert legacy.status_code == 200
        assert legacy.json() == {"message": "pong"}
        bearer = api.get("/api/ping", headers={"Authorization": f"Bearer {token}"})
        assert bearer.status_code == 200

        page.goto("/profile")
        row = page.locator("#token-list tbody tr", has_text="Browser test")
        # The calls above are its last use.
        assert row.locator("td").nth(1).inner_text() != "never"
        page.once("dialog", lambda dialog: dialog.accept())
        row.get_by_role("button", name="Revoke").click()
        page.wait_for_url("**/profile?saved=token_revoked*")
        assert page.locator("#token-list").count() == 0
        assert api.get("/api/ping", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_a_revocation_can_be_cancelled(page, make_user):
    user = make_user()
    sign_in(page, user.username)
    page.wait_for_url("**/dashboard")
    page.goto("/profile")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.locator("#token-list").get_by_role("button", name="Revoke").click()
    assert page.locator("#token-list tbody tr").count() == 1


def test_a_forced_password_change_comes_first(page, make_user):
    user = make_user(requires_password_reset=True)
    sign_in(page, user.username)
    page.wait_for_url("**/password/change")
    page.goto("/profile")
    page.wait_for_url("**/password/change")
    page.get_by_label("New password", exact=True).fill("a-fresh-password")
    page.get_by_label("Repeat the new password").fill("a-fresh-password")
    page.get_by_role("button", name="Save the new password").click()
    page.wait_for_url("**/dashboard?saved=password")
    assert page.get_by_role("status").inner_text() == "Your password has been changed."
    page.goto("/profile")
    page.wait_for_url("**/profile")


def test_the_phone_menu_opens_and_closes(phone_page, admin):
    page = phone_page
    sign_in(page, admin.username)
    page.wait_for_url("**/dashboard")
    toggle = page.get_by_role("button", name="Menu")
    navigation = page.get_by_role("navigation", name="Main menu")
    assert navigation.is_hidden()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert navigation.is_visible()
    page.get_by_text("Administration").click()
    page.get_by_role("link", name="Settings").click()
    page.wait_for_url("**/admin/settings")
    assert page.get_by_role("heading", level=1).inner_text() == "Timesheet settings"
    # Nothing is wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_keyboard_users_can_skip_to_the_content(page, make_user):
    user = make_user()
    sign_in(page, user.username)
    page.wait_for_url("**/dashboard")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.evaluate("element => element === document.activeElement")
    assert skip.is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_settings_saved_in_the_browser(page, admin):
    sign_in(page, admin.username)
    page.wait_for_url("**/dashboard")
    page.goto("/admin/settings")
    page.get_by_label("Tracking mode").select_option("punch")
    page.get_by_label("Allow entries in the future").uncheck()
    page.get_by_label("Running entries per user").fill("2")
    page.get_by_role("button", name="Save settings").click()
    page.wait_for_url("**/admin/settings?saved=settings")
    assert page.get_by_label("Tracking mode").input_value() == "punch"
    assert not page.get_by_label("Allow entries in the future").is_checked()
    assert page.get_by_label("Running entries per user").input_value() == "2"


def test_no_page_scrolls_sideways_on_a_phone(phone_page, admin, work_entry):
    from datetime import timedelta

    from horae.db import utcnow

    work_entry(admin, utcnow() - timedelta(hours=2), 75, description="A long description " * 5)
    page = phone_page
    page.goto("/login")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    sign_in(page, admin.username)
    page.wait_for_url("**/dashboard")
    for path in ("/dashboard", "/profile", "/admin/settings", "/admin/permissions"):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
