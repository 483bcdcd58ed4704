"""Shared fixtures and the service rules.

Tests marked ``postgres`` need the database to be PostgreSQL (triggers, row locks, concurrency);
tests marked ``redis`` need a reachable broker. Elsewhere they are skipped, unless
``MFGCOST_REQUIRE_SERVICES=1`` (CI), where a missing service fails them.
"""

import os
import socket
from urllib.parse import urlparse

import pytest
from django.db import connection

REQUIRE_SERVICES = os.environ.get("MFGCOST_REQUIRE_SERVICES") == "1"


def _missing(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (MFGCOST_REQUIRE_SERVICES=1)", pytrace=False)
    pytest.skip(reason)


def redis_url() -> str | None:
    url = os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/0"
    parsed = urlparse(url)
    if parsed.scheme not in ("redis", "rediss"):
        return None
    try:
        socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), 1).close()
    except OSError:
        return None
    return url


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        _missing("needs PostgreSQL (set DATABASE_URL to a PostgreSQL database)")
    if item.get_closest_marker("redis") and redis_url() is None:
        _missing("needs a reachable Redis broker (CELERY_BROKER_URL)")


pytest_plugins = ["tests.fixtures"]
