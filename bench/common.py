"""Shared set-up for benchmarks: a fresh PostgreSQL database per run, Django configured on it."""

from __future__ import annotations

import os
import re
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


def tasks_queued_not_run() -> None:
    """Send Celery tasks to an in-memory broker that no worker reads; call before Django is set
    up. A task a service queues (Adjust Cost after a finish) is then neither run inside the
    service (eager) nor by a worker of another database; the benchmark runs the job itself."""
    os.environ["CELERY_BROKER_URL"] = "memory://localhost//"
    os.environ["CELERY_RESULT_BACKEND"] = "cache+memory://"


@contextmanager
def stopwatch():
    """``with stopwatch() as elapsed: ...`` then ``elapsed()`` gives seconds."""
    start = time.perf_counter()
    end: list[float] = []
    yield lambda: (end[0] if end else time.perf_counter()) - start
    end.append(time.perf_counter())


class QueryLog:
    """Counts the SQL statements Django runs (``connection.execute_wrapper``) and adds up the time
    of each statement text, with the parameters apart and ``IN`` lists of any length as one.

    ``with connection.execute_wrapper(log): ...`` then ``log.count`` and ``log.slowest()``.
    """

    def __init__(self) -> None:
        self.count = 0
        self.by_statement: dict[str, list] = {}  # statement -> [count, seconds]

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            key = _PLACEHOLDER_LIST.sub("%s, ...", sql)
            entry = self.by_statement.setdefault(key, [0, 0.0])
            entry[0] += 1
            entry[1] += time.perf_counter() - start

    def merge(self, other: QueryLog) -> None:
        """Add ``other``'s counts and times to this log's."""
        self.count += other.count
        for sql, (count, seconds) in other.by_statement.items():
            entry = self.by_statement.setdefault(sql, [0, 0.0])
            entry[0] += count
            entry[1] += seconds

    def slowest(self, n: int = 5) -> list[tuple[str, int, float]]:
        """The ``n`` statements that took the most time in all: (statement, count, seconds)."""
        rows = sorted(self.by_statement.items(), key=lambda kv: -kv[1][1])[:n]
        return [(sql, count, seconds) for sql, (count, seconds) in rows]


_PLACEHOLDER_LIST = re.compile(r"%s(?:, %s)+|\(%s(?:, %s)*\)(?:, \(%s(?:, %s)*\))+")
