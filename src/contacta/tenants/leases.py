"""One process at a time does a given kind of work for a tenant, or for the installation.

Multi-node installs run several `contacta worker` processes, on one or many machines. Routing
is serialised by a row lock on the tenant; provider work (turning stored deliveries into
messages, sending the outbox) must be too, or two workers would send the same reply twice.
A worker that finds the lease taken skips that tenant for this pass and works on the next one,
so several workers share many tenants.

PostgreSQL: a session advisory lock keyed by (work, tenant), released at the end of the pass or
when the process dies. SQLite (a single machine): an flock'd file under the data directory,
named after the database, so two databases never share a lease.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.db import connection


def _work_key(work: str) -> int:
    """A stable signed 32-bit key for the work's name (advisory locks take int4 pairs)."""
    return int.from_bytes(hashlib.sha256(work.encode()).digest()[:4], "big", signed=True)


@contextlib.contextmanager
def tenant_lease(work: str, tenant_id: int) -> Iterator[bool]:
    """Yields True when this process holds the lease until the block ends, else False."""
    if connection.vendor == "postgresql":
        with _advisory_lock(_work_key(work), tenant_id) as held:
            yield held
    else:
        with _file_lock(work, tenant_id) as held:
            yield held


@contextlib.contextmanager
def _advisory_lock(key: int, tenant_id: int) -> Iterator[bool]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [key, tenant_id])
        row = cursor.fetchone()
    held = bool(row and row[0])
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [key, tenant_id])


@contextlib.contextmanager
def _file_lock(work: str, tenant_id: int) -> Iterator[bool]:
    database = str(connection.settings_dict["NAME"])
    tag = hashlib.sha256(database.encode()).hexdigest()[:12]
    path = Path(settings.DATA_DIR) / "leases" / f"{tag}-{work}-t{tenant_id}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def installation_lease(work: str) -> Iterator[bool]:
    """Like tenant_lease, for work only one process of the whole installation may do, held for
    as long as the block runs (a process's lifetime). On PostgreSQL the lock lives on a
    connection of its own, so Django closing its connections between requests never drops it."""
    if connection.vendor != "postgresql":
        with _file_lock(work, 0) as held:
            yield held
        return
    import psycopg

    config = connection.settings_dict
    with psycopg.connect(dbname=config["NAME"], user=config["USER"] or None,
                         password=config["PASSWORD"] or None, host=config["HOST"] or None,
                         port=config["PORT"] or None, autocommit=True) as own:
        row = own.execute("SELECT pg_try_advisory_lock(%s, 0)", [_work_key(work)]).fetchone()
        yield bool(row and row[0])  # released when this connection closes
