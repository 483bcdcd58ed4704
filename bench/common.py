"""Shared set-up for benchmarks: a fresh PostgreSQL database per run, Django configured on it."""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from urllib.parse import urlparse, urlunparse

DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"


def bench_database(name: str) -> str:
    """Create (or recreate) database ``name`` next to DATABASE_URL; return its URL.

    Django is pointed at it through DATABASE_URL; call before ``django.setup()``.
    """
    import psycopg

    base = os.environ.get("DATABASE_URL") or DEFAULT_SERVER
    parsed = urlparse(base)
    if not parsed.scheme.startswith("postgres"):
        raise SystemExit("benchmarks need PostgreSQL: set DATABASE_URL to a postgres:// URL")
    admin_url = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = urlunparse(parsed._replace(path=f"/{name}"))
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mfgcost.settings")
    return url


def setup_django_on(name: str) -> str:
    """Fresh database ``name``, Django set up and migrated on it."""
    url = bench_database(name)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    return url


def drop_database(name: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    base = os.environ.get("DATABASE_URL") or DEFAULT_SERVER
    admin_url = urlunparse(urlparse(base)._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def stopwatch():
    """``with stopwatch() as elapsed: ...`` then ``elapsed()`` gives seconds."""
    start = time.perf_counter()
    end: list[float] = []
    yield lambda: (end[0] if end else time.perf_counter()) - start
    end.append(time.perf_counter())
