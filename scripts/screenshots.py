"""Takes screenshots of the web app's main pages at desktop and phone width into docs/screenshots/.

Runs a throwaway server on a temporary SQLite database with a little sample data and drives
Debian's Chromium with Playwright:  .venv/bin/python scripts/screenshots.py [NAME ...]
(names of PAGES; without any, every page).
"""

from __future__ import annotations

import socket
import sys
import tempfile
import threading
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import uvicorn
from playwright.sync_api import Page, ViewportSize, sync_playwright

from horae.activities.models import Activity
from horae.app import create_app
from horae.customers.models import Customer
from horae.db import Database, utcnow
from horae.migrate import upgrade
from horae.projects.models import Project
from horae.rates.models import CustomerRate
from horae.security.passwords import configure_hasher
from horae.settings import Settings
from horae.teams.models import Team, TeamMember
from horae.timesheets.models import Timesheet
from horae.users.service import create_access_token, create_user

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORTS: dict[str, ViewportSize] = {
    "desktop": {"width": 1280, "height": 800},
    "phone": {"width": 390, "height": 844},
}
PAGES = {
    "login": "/login",
    "dashboard": "/dashboard",
    "timer": "/timer",
    "timesheets": "/timesheets",
    "week": "/week",
    "calendar": "/calendar",
    "customers": "/customers",
    "customer-edit": "/customers/1/edit",
    "users": "/users",
    "teams": "/teams",
    "profile": "/profile",
    "settings": "/admin/settings",
    "permissions": "/admin/permissions",
    "report-month": "/reports/user/month",
    "report-projects": "/reports/projects?budget=all",
}
TIMEZONE = "Europe/Berlin"
PASSWORD = "screenshot-password"


def sample_data(db: Database) -> None:
    """A super-admin with a week of work on two projects, one timer running, two tokens, and
    colleagues in two teams."""
    with db.session() as session:
        user = create_user(
            session,
            username="anna",
            email="anna.berger@example.com",
            password=PASSWORD,
            roles=["ROLE_SUPER_ADMIN"],
            timezone=TIMEZONE,
            alias="Anna Berger",
            api_password="api-password-123",
        )
        user.title = "Project lead"
        user.color = "#1e90ff"
        customer = Customer(
            name="Northwind Traders",
            number="C-0001",
            company="Northwind Traders GmbH",
            country="DE",
            currency="EUR",
            timezone=TIMEZONE,
            color="#0074D9",
            budget=Decimal("25000"),
            time_budget=400 * 3600,
        )
        session.add(customer)
        session.add_all(
            [
                Customer(
                    name="Contoso Ltd",
                    number="C-0002",
                    country="GB",
                    currency="GBP",
                    timezone="Europe/London",
                ),
                Customer(
                    name="Fabrikam Inc",
                    number="C-0003",
                    country="US",
                    currency="USD",
                    timezone="America/New_York",
                ),
                Customer(
                    name="Tailspin Toys", number="C-0004", country="DE", currency="EUR", timezone=TIMEZONE
                ),
            ]
        )
        session.flush()
        session.add(
            CustomerRate(customer_id=customer.id, user_key=0, rate=Decimal("95"), internal_rate=Decimal("60"))
        )
        session.flush()
        website = Project(
            customer_id=customer.id,
            name="Website relaunch",
            budget=Decimal("12000"),
            time_budget=120 * 3600,
        )
        support = Project(
            customer_id=customer.id,
            name="Support 2026",
            budget=Decimal("2500"),
            time_budget=30 * 3600,
            budget_type="month",
        )
        session.add_all([website, support])
        session.flush()
        design = Activity(project_id=None, name="Design")
        development = Activity(project_id=None, name="Development")
        meeting = Activity(project_id=None, name="Meetings")
        session.add_all([design, development, meeting])
        session.flush()
        zone = ZoneInfo(TIMEZONE)
        today = utcnow().astimezone(zone).date()
        plan = [
            (website, development, 8, 30, 4 * 60, "Navigation and search"),
            (website, design, 13, 30, 3 * 60 + 15, "Landing page variants"),
            (support, meeting, 9, 0, 45, "Weekly support review"),
            (support, development, 10, 0, 5 * 60 + 30, "Ticket backlog"),
            (website, development, 8, 0, 7 * 60, "Checkout flow"),
        ]
        for days_ago in range(1, 12):
            day = today - timedelta(days=days_ago)
            if day.weekday() >= 5:
                continue
            for project, activity, hour, minute, minutes, text in plan[days_ago % 3 : days_ago % 3 + 2]:
                begin = time_at(day, hour, minute, zone)
                session.add(
                    Timesheet(
                        user_id=user.id,
                        project_id=project.id,
                        activity_id=activity.id,
                        begin=begin,
                        end=begin + timedelta(minutes=minutes),
                        duration=minutes * 60,
                        timezone=TIMEZONE,
                        date=day,
                        description=text,
                        rate=Decimal(95 * minutes / 60).quantize(Decimal("0.01")),
                        hourly_rate=Decimal("95"),
                    )
                )
        running_begin = utcnow() - timedelta(minutes=95)
        session.add(
            Timesheet(
                user_id=user.id,
                project_id=website.id,
                activity_id=development.id,
                begin=running_begin,
                end=None,
                duration=0,
                timezone=TIMEZONE,
                date=running_begin.astimezone(zone).date(),
                description="Release preparation",
                rate=Decimal("0"),
            )
        )
        people = [
            ("ben", "Ben Okafor", "Developer", ["ROLE_TEAMLEAD"]),
            ("carla", "Carla Jensen", "Designer", []),
            ("david", "David Kim", "Support", []),
            ("emma", "Emma Rossi", "Accountant", ["ROLE_ADMIN"]),
        ]
        colleagues = []
        for username, alias, title, roles in people:
            colleague = create_user(
                session,
                username=username,
                email=f"{username}@example.com",
                password=PASSWORD,
                roles=roles,
                timezone=TIMEZONE,
                alias=alias,
                title=title,
            )
            colleagues.append(colleague)
        colleagues[-1].enabled = False
        web_team = Team(name="Web team", color="#2ecc40")
        web_team.members = [
            TeamMember(user=user, teamlead=True),
            TeamMember(user=colleagues[0], teamlead=True),
            TeamMember(user=colleagues[1], teamlead=False),
        ]
        web_team.customers = [customer]
        web_team.projects = [website]
        support_team = Team(name="Support desk", color="#ff851b")
        support_team.members = [
            TeamMember(user=colleagues[0], teamlead=True),
            TeamMember(user=colleagues[2], teamlead=False),
        ]
        support_team.projects = [support]
        session.add_all([web_team, support_team])
        create_access_token(session, user, "Phone app")
        create_access_token(session, user, "Reporting script", today + timedelta(days=90))


def time_at(day: date, hour: int, minute: int, zone: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sign_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/login")
    page.fill("#login", "anna")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/dashboard")


def main(names: list[str]) -> int:
    wanted = set(names) or set(PAGES)
    unknown = wanted - set(PAGES)
    if unknown:
        print(f"unknown pages: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 1
    configure_hasher(time_cost=1, memory_cost=1024)
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as workdir:
        url = f"sqlite:///{workdir}/screenshots.sqlite"
        db = Database(url)
        upgrade(db.engine)
        sample_data(db)
        app = create_app(Settings(database_url=url, environment="test"), db=db)
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        base_url = f"http://127.0.0.1:{port}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                for device, viewport in VIEWPORTS.items():
                    context = browser.new_context(viewport=viewport, locale="en-GB", device_scale_factor=1)
                    page = context.new_page()
                    page.goto(f"{base_url}/login")
                    if "login" in wanted:
                        page.screenshot(path=str(OUT / f"login-{device}.png"), full_page=True)
                    sign_in(page, base_url)
                    for name, path in PAGES.items():
                        if name == "login" or name not in wanted:
                            continue
                        page.goto(f"{base_url}{path}")
                        page.screenshot(path=str(OUT / f"{name}-{device}.png"), full_page=True)
                    context.close()
                browser.close()
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            db.dispose()
    for written in sorted(OUT.glob("*.png")):
        print(written.relative_to(OUT.parent.parent))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
