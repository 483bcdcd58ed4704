"""Locks for services.

Row locks (``select_for_update``) are taken in primary-key order so that two services locking the
same rows cannot deadlock. Advisory locks serialise whole jobs (a period close, an Adjust Cost run)
on PostgreSQL; on SQLite every write transaction is already serialised, so they are no-ops there.
"""

import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


def lock_key(namespace: str, ident: int | str = 0) -> tuple[int, int]:
    """Two 32-bit keys for ``pg_advisory_*(int, int)`` from a namespace and an id."""
    ns = zlib.crc32(namespace.encode()) & 0x7FFFFFFF
    ident_key = ident if isinstance(ident, int) else zlib.crc32(str(ident).encode())
    return ns, int(ident_key) & 0x7FFFFFFF


def advisory_xact_lock(namespace: str, ident: int | str = 0, *, shared: bool = False) -> None:
    """Take a transaction-scoped advisory lock (waits until granted)."""
    if connection.vendor != "postgresql":
        return
    fn = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {fn}(%s, %s)", lock_key(namespace, ident))


def try_advisory_xact_lock(namespace: str, ident: int | str = 0) -> bool:
    """Try a transaction-scoped exclusive advisory lock; False when another holds it."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", lock_key(namespace, ident))
        return bool(cursor.fetchone()[0])


@contextmanager
def try_advisory_session_lock(namespace: str, ident: int | str = 0) -> Iterator[bool]:
    """Hold a session-scoped exclusive advisory lock for the ``with`` block, if free.

    Yields False (and holds nothing) when another session holds it. Unlike the transaction
    locks above it outlives transactions, so a job made of several transactions (a close step)
    holds it throughout; a worker that dies loses its connection and with it the lock.
    """
    if connection.vendor != "postgresql":
        yield True
        return
    keys = lock_key(namespace, ident)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", keys)
        acquired = bool(cursor.fetchone()[0])
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", keys)
