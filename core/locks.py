"""A lock held by a live process: PostgreSQL's session advisory lock.

A conditional ``UPDATE`` (a claim) decides who starts a piece of work; it cannot tell whether the
claimant is still alive. ``held_while_alive`` can: the lock belongs to the database session of
the process that took it, and PostgreSQL releases it when that connection ends, so a worker that
is killed mid-job gives it up at once, and one that is alive keeps it however long the job takes
(no transaction is held open meanwhile).

Use it where a claim may legitimately be taken over (a redelivered message with the same task id,
a claim whose heartbeat looks stale): take the lock first, and a taker that does not get it knows
a live process is doing the work. Other databases (SQLite, development on one process) always get
it. Behind a connection pooler in transaction mode (PgBouncer) session locks do not work; connect
the workers to PostgreSQL directly (``docs/operations.md``).
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections

log = logging.getLogger(__name__)


def _namespace(name: str) -> int:
    """A stable signed 32-bit number for ``name`` (the lock's first key)."""
    value = zlib.crc32(name.encode())
    return value - (1 << 32) if value >= 1 << 31 else value


@contextmanager
def held_while_alive(name: str, key: int, *, using: str = DEFAULT_DB_ALIAS) -> Iterator[bool]:
    """``with held_while_alive("reports.monthly", pk) as got:`` — ``got`` is True for the one
    live session that holds the lock ``(name, key)``; the lock is released on leaving the block
    (or when the process dies). Does not wait: a second taker gets False at once."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield True
        return
    args = [_namespace(name), int(key)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", args)
        got = bool(cursor.fetchone()[0])
    try:
        yield got
    finally:
        if got:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s, %s)", args)
            except Exception:  # the connection is gone (and the lock with it) or its transaction failed
                log.warning("Could not release the lock %s:%s; it ends with the session.", name, key, exc_info=True)
