"""Report pages and the export dialog in a real browser."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.exports.readers import read_csv
from tests.reporting.expected import counted, total
from tests.web.test_browser_tracking import sign_in

pytestmark = pytest.mark.browser


def test_a_report_moves_to_the_previous_period_and_my_times_exports_a_csv(page, scenario, tmp_path):
    sign_in(page, scenario.alice.username)
    page.get_by_role("link", name="Reports").first.click()
    page.wait_for_url("**/reports")
    page.get_by_role("link", name="My month").click()
    page.goto("/reports/user/month?date=2024-04-15")
    assert page.locator("#period-label").inner_text() == "April 2024"
    page.locator("#period-previous").click()
    page.wait_for_url("**/reports/user/month?date=2024-03-31")
    assert page.locator("#period-label").inner_text() == "March 2024"
    march = counted(
        scenario.entries, users=[scenario.alice.id], begin=date(2024, 3, 1), end=date(2024, 3, 31)
    )
    shown = int(page.locator("#report-table .grand-total").get_attribute("data-seconds"))
    assert shown == total(march)["duration"]
    assert page.locator("svg#chart-weekdays title").text_content() == "Hours per day of the week"

    page.goto("/timesheets?begin=2024-03-01&end=2024-03-31")
    page.get_by_text("Export", exact=True).click()
    page.get_by_label("CSV").check()
    with page.expect_download() as info:
        page.get_by_role("button", name="Download").click()
    target = Path(tmp_path) / "export.csv"
    info.value.save_as(target)
    header, rows = read_csv(target.read_bytes())
    assert "Description" in header
    in_march = [
        e
        for e in scenario.entries
        if e.user_id == scenario.alice.id and date(2024, 3, 1) <= e.local_date <= date(2024, 3, 31)
    ]
    assert len(rows) == len(in_march)


def test_report_pages_fit_a_phone(phone_page, scenario):
    sign_in(phone_page, scenario.admin.username)
    for path in (
        "/dashboard",
        "/reports",
        "/reports/user/week?date=2024-03-31",
        "/reports/user/month?date=2024-03-31",
        "/reports/users/month?date=2024-03-31",
        "/reports/projects?date=2024-04-01&budget=all",
        f"/reports/projects/{scenario.website}",
        "/reports/customers/month?date=2024-03-31",
        "/reports/projects/inactive",
        "/timesheets",
    ):
        phone_page.goto(path)
        assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390, path
