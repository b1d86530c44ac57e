"""Real-browser fixtures: Debian's Chromium driven by Playwright (never `playwright install`).

Browser tests run against the SQLite backend only, to keep `make test` fast; the HTTP-level
tests of the same behaviour run on every backend.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = os.environ.get("HORAE_CHROMIUM", "/usr/bin/chromium")
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
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keeps browser tests on the SQLite backend only."""
    kept, dropped = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_other_backend = callspec is not None and callspec.params.get("backend", "sqlite") != "sqlite"
        (dropped if item.get_closest_marker("browser") and on_other_backend else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ensure-browser")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # Each launch gets a fresh temporary user-data directory from Playwright.
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class BrowserProblems:
    """Console errors, uncaught exceptions and failed assets of the pages (a CSP violation is one).

    Chromium also logs every 4xx document as a console error; pages answer form errors with
    4xx on purpose, so those lines are left to the assets check.
    """

    def __init__(self) -> None:
        self.messages: list[str] = []

    def console(self, message: Any) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.messages.append(message.text)

    def response(self, response: Any) -> None:
        if response.request.resource_type != "document" and response.status >= 400:
            self.messages.append(f"{response.status} {response.url}")


def _open_page(browser: Any, backend: Any, viewport: dict[str, int]) -> Iterator[Any]:
    context = browser.new_context(base_url=backend.base_url, viewport=viewport, locale="en-GB")
    page = context.new_page()
    problems = BrowserProblems()
    page.on("console", problems.console)
    page.on("response", problems.response)
    page.on("pageerror", lambda error: problems.messages.append(str(error)))
    page.set_default_timeout(10_000)
    try:
        yield page
    finally:
        context.close()
    assert problems.messages == [], problems.messages


@pytest.fixture
def page(browser: Any, backend: Any) -> Iterator[Any]:
    """A desktop-sized page in a fresh browser context (no cookies), failing on console errors."""
    yield from _open_page(browser, backend, DESKTOP)


@pytest.fixture
def phone_page(browser: Any, backend: Any) -> Iterator[Any]:
    yield from _open_page(browser, backend, PHONE)
