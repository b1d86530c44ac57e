"""Tracking and catalog pages in a real browser: timers, the week grid, My times, the catalog."""

from __future__ import annotations

from datetime import timedelta

import pytest

from horae.db import utcnow
from tests.factories.users import PASSWORD

pytestmark = pytest.mark.browser


def sign_in(page, login, password=PASSWORD):
    page.goto("/login")
    page.get_by_label("Username or e-mail").fill(login)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard")


def test_a_timer_starts_from_the_quick_form_and_stops_from_the_header(page, make_user, catalog, timesheets):
    user = make_user()
    work = catalog.work()
    other = catalog.work()
    sign_in(page, user.username)
    page.get_by_role("link", name="Timer", exact=True).first.click()
    page.get_by_label("Customer").select_option(str(work.customer.id))
    # The project list narrows to the chosen customer.
    assert page.locator(f'#start-project option[value="{other.project.id}"]').is_hidden()
    page.get_by_label("Project").select_option(str(work.project.id))
    page.get_by_label("Activity").select_option(str(work.activity.id))
    page.get_by_label("Description").fill("Writing the plan")
    page.get_by_role("button", name="Start", exact=True).click()
    page.wait_for_url("**/timer?saved=started")
    header = page.locator("#header-status")
    assert work.activity.name in header.inner_text()
    assert len(timesheets.running(user)) == 1
    header.get_by_role("button", name=f"Stop {work.activity.name}").click()
    page.wait_for_url("**/timer?saved=stopped")
    assert page.get_by_role("status").inner_text() == "The timer has been stopped."
    assert timesheets.running(user) == []


def test_the_keyboard_shortcut_stops_the_running_timer(page, make_user, catalog, timesheets):
    user = make_user()
    timesheets.create(user, catalog.work(), utcnow() - timedelta(minutes=5))
    sign_in(page, user.username)
    page.keyboard.press("Alt+Shift+S")
    page.wait_for_url("**/dashboard?saved=stopped")
    assert timesheets.running(user) == []


def test_an_entry_is_booked_in_the_week_grid_and_edited_in_my_times(page, make_user, catalog, timesheets):
    user = make_user()
    work = catalog.work()
    sign_in(page, user.username)
    page.goto("/week")
    page.locator("#grid-new_project").select_option(str(work.project.id))
    page.locator("#grid-new_activity").select_option(str(work.activity.id))
    page.locator("#new-0").fill("2:15")
    page.get_by_role("button", name="Save week").click()
    page.wait_for_url("**saved=week_saved")
    assert page.locator("#week-total").inner_text() == "2:15"
    page.get_by_role("link", name="My times").click()
    page.get_by_role("link", name="Edit").first.click()
    page.get_by_label("Description").fill("Refined")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/timesheets?saved=timesheet_saved")
    assert "Refined" in page.locator("table").inner_text()
    assert timesheets.count(user_id=user.id, description="Refined", duration=8100) == 1


def test_a_customer_project_and_activity_are_created(page, admin):
    sign_in(page, admin.username)
    page.goto("/customers")
    page.get_by_role("link", name="New customer").click()
    page.get_by_label("Name").fill("Northwind")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/customers/*/edit?saved=catalog_created")
    page.goto("/projects/create")
    page.get_by_label("Name").fill("Website")
    page.get_by_label("Customer").select_option(label="Northwind")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/projects/*/edit?saved=catalog_created")
    page.goto("/activities/create")
    page.locator("#entity-name").fill("Design")
    page.get_by_label("Project").select_option(label="Northwind / Website")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/activities/*/edit?saved=catalog_created")
    page.goto("/activities")
    assert "Northwind / Website" in page.locator("table").inner_text()


def test_the_tracking_pages_fit_a_phone(phone_page, make_user, catalog, timesheets):
    user = make_user()
    timesheets.many(user, catalog.work(), 3)
    sign_in(phone_page, user.username)
    for path in ("/timer", "/timesheets", "/week", "/calendar"):
        phone_page.goto(path)
        width = phone_page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)
