"""The people pages in a real browser: a user and a team with that user as a member, made through
the forms; the lists at phone width."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from horae.teams.models import Team
from horae.users.models import User
from tests.web.test_browser import sign_in

pytestmark = pytest.mark.browser


def open_menu(page, section):
    page.locator(".site-nav summary", has_text=section).click()


def test_a_user_and_a_team_are_created_through_the_pages(page, admin, backend):
    sign_in(page, admin.username)
    page.wait_for_url("**/dashboard")
    open_menu(page, "Administration")
    page.get_by_role("link", name="Users").click()
    page.wait_for_url("**/users")
    page.get_by_role("link", name="New user").click()
    page.get_by_label("Username").fill("bruno")
    page.get_by_label("E-mail").fill("bruno@example.com")
    page.get_by_label("Name", exact=True).fill("Bruno Baker")
    page.get_by_role("textbox", name="Password").fill("bruno-secret-1")
    page.get_by_label("Timezone").select_option("Europe/Berlin")
    page.get_by_label("Team lead").check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/users/*/edit?saved=user_created")
    assert page.get_by_role("status").inner_text() == "The user has been created."

    open_menu(page, "Administration")
    page.get_by_role("link", name="Teams").click()
    page.wait_for_url("**/teams")
    page.get_by_role("link", name="New team").click()
    page.get_by_role("textbox", name="Name").fill("Bakery")
    page.get_by_label("Member 2").select_option(label="Bruno Baker")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/teams/*/edit?saved=team_created")
    assert page.get_by_role("status").inner_text() == "The team has been created."
    assert page.get_by_label("Member 2").locator("option:checked").inner_text() == "Bruno Baker"

    page.goto("/teams")
    row = page.get_by_role("row", name="Bakery")
    assert "susan_super" in row.inner_text()
    with backend.db.session(write=False) as session:
        bruno = session.scalars(select(User).where(User.username == "bruno")).one()
        assert bruno.roles == ["ROLE_TEAMLEAD"]
        team = session.scalars(select(Team).where(Team.name == "Bakery")).one()
        assert sorted((m.user.username, m.teamlead) for m in team.members) == [
            ("bruno", False),
            ("susan_super", True),
        ]


def test_the_people_pages_fit_a_phone(phone_page, admin, make_user, catalog):
    member = make_user(alias="Mia Member")
    catalog.team("Phone team", members=[member], leads=[admin])
    sign_in(phone_page, admin.username)
    phone_page.wait_for_url("**/dashboard")
    for path in ("/users", "/teams", "/tags", "/users/create", "/teams/create", "/tags/create"):
        phone_page.goto(path)
        width = phone_page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)
