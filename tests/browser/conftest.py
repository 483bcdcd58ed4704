"""Browser tests: the system's Chromium, driven by Playwright, against the live test server.

``admin_page`` is a Playwright ``Page`` logged into the admin as the superuser ``admin``
(password ``admin``); build URLs from ``live_server.url``. Without Chromium the tests are
skipped, except under ``MFGCOST_REQUIRE_SERVICES=1`` (CI), where that fails them.
"""

import os
from pathlib import Path

import pytest

from tests.conftest import _missing

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium():
    if not CHROMIUM.exists():
        _missing(f"needs Chromium at {CHROMIUM}")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # around it are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def admin_page(chromium, live_server, django_user_model):
    django_user_model.objects.create_superuser("admin", "admin@example.com", "admin")
    context = chromium.new_context(accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "admin")
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    yield page
    context.close()
