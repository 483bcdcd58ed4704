"""Browser tests: Playwright driving the system's Chromium against pytest-django's live server.

Playwright's own browser download is not used: the browser is Debian's ``chromium`` at
``CHROMIUM`` (``MFGCOST_CHROMIUM`` to point elsewhere). Without it the browser tests are
skipped, and fail under ``MFGCOST_REQUIRE_SERVICES=1`` (CI installs it, see ``.ci/run``).

Fixtures for every browser test:

* ``admin_page``: a sync Playwright ``Page`` logged into the admin as the superuser
  ``admin`` / ``admin``, at the admin index of the live server; ``admin_page.live_url(path)``
  gives an absolute URL on the server.
* ``demo_month``: the demo company and its month, loaded into the live server's database.

Playwright's sync API runs an event loop in the test thread, so Django is told that database
calls from this thread are fine (``DJANGO_ALLOW_ASYNC_UNSAFE``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import _missing

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("MFGCOST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = os.environ.get("MFGCOST_SCREENSHOTS", "")


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict:
    """pytest-playwright's launch options: the system Chromium, headless."""
    if not Path(CHROMIUM).exists():
        _missing(f"needs Chromium at {CHROMIUM} (apt-get install chromium)")
    return {"executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def browser_context_args() -> dict:
    return {"viewport": {"width": 1400, "height": 1000}, "locale": "en-US"}


@pytest.fixture
def admin_page(page, live_server, transactional_db):
    """A Page logged into the admin as superuser admin/admin."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    if not User.objects.filter(username="admin").exists():
        User.objects.create_superuser("admin", "admin@example.com", "admin")
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "admin")
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    page.live_url = lambda path="": f"{live_server.url}{path}"
    return page


@pytest.fixture
def demo_month(transactional_db, tasks_in_process):
    """The demo company and its month (Adjust Cost run in process, as without a broker)."""
    from mfgcost.demo import demo_run

    assert demo_run(log=lambda line: None) is True


def screenshot(page, name: str) -> Path | None:
    """Save a full-page PNG under ``MFGCOST_SCREENSHOTS`` (``make screenshots``), if set."""
    if not SCREENSHOTS:
        return None
    folder = Path(SCREENSHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
