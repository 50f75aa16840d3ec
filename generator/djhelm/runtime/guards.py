"""Guards around every migration run on PostgreSQL: one advisory lock, session timeouts, bounded retries."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db.backends.signals import connection_created

from djhelm.runtime.migration_settings import GuardConfig

LOCK_NOT_AVAILABLE = "55P03"


class AdvisoryLockTimeout(RuntimeError):
    pass


def is_postgres(connection: Any) -> bool:
    return bool(connection.vendor == "postgresql")


def _set_timeouts(connection: Any, config: GuardConfig) -> None:
    with connection.cursor() as cursor:
        # Session level (not SET LOCAL): non-atomic migrations and RunPython's own queries run outside any
        # transaction we open, and a rollback of a failed atomic migration must not undo it.
        cursor.execute(f"SET lock_timeout = '{int(config.lock_timeout_ms)}ms'")
        cursor.execute(f"SET statement_timeout = '{int(config.statement_timeout_ms)}ms'")


@contextmanager
def session_timeouts(connection: Any, config: GuardConfig) -> Iterator[None]:
    """lock_timeout / statement_timeout on this connection, re-applied if Django reconnects it."""

    def on_connect(sender: object, connection: Any, **kwargs: object) -> None:
        if connection.alias == alias:
            _set_timeouts(connection, config)

    alias = connection.alias
    connection_created.connect(on_connect, weak=False)
    try:
        connection.ensure_connection()
        _set_timeouts(connection, config)
        yield
    finally:
        connection_created.disconnect(on_connect)


def _lock_holders(connection: Any, key: int) -> str:
    unsigned = key & 0xFFFFFFFFFFFFFFFF
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT a.pid, coalesce(a.application_name, ''), a.backend_start::text FROM pg_locks l "
                "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
                "AND l.classid::bigint = %s AND l.objid::bigint = %s AND l.objsubid = 1",
                [unsigned >> 32, unsigned & 0xFFFFFFFF],
            )
            rows = cursor.fetchall()
    except Exception:  # a diagnostic only; the timeout message stands without it
        return ""
    return ", ".join(
        f"pid {pid} ({app or 'no application_name'}, connected {start})" for pid, app, start in rows
    )


@contextmanager
def advisory_lock(
    connection: Any, config: GuardConfig, on_wait: Callable[[str], None] | None = None
) -> Iterator[float]:
    """Hold the session-level advisory lock for the block; yields the seconds spent waiting for it.

    Polled with pg_try_advisory_lock so the wait is bounded and explained, never a silent hang.
    """
    key = config.advisory_lock_key
    started = time.monotonic()
    deadline = started + config.advisory_lock_wait_ms / 1000
    announced = False
    while True:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            if cursor.fetchone()[0]:
                break
        if not announced and on_wait is not None:
            on_wait(
                f"another migration run holds the advisory lock {key}: {_lock_holders(connection, key)}; "
                f"waiting up to {config.advisory_lock_wait_ms / 1000:g}s"
            )
            announced = True
        if time.monotonic() >= deadline:
            holders = _lock_holders(connection, key) or "unknown session"
            raise AdvisoryLockTimeout(
                f"gave up after {config.advisory_lock_wait_ms / 1000:g}s waiting for the migration advisory "
                f"lock {key}, held by {holders}. Another migration Job is still running: let it finish "
                "(or end that session), then run this again; DJHELM_ADVISORY_LOCK_WAIT sets the wait."
            )
        time.sleep(min(0.25, max(0.0, deadline - time.monotonic())))
    try:
        yield time.monotonic() - started
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
        except Exception:  # a dead connection has already released its session lock
            pass


def table_exists(cursor: Any, table: str) -> bool:
    """Whether ``table`` exists yet (djhelm's own tables appear with the first pre or post run)."""
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [table])
    return bool(cursor.fetchone()[0])


def sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE behind a Django DatabaseError (psycopg 3 ``sqlstate`` or psycopg2 ``pgcode``)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        code = getattr(current, "sqlstate", None) or getattr(current, "pgcode", None)
        if code:
            return str(code)
        current = current.__cause__ or current.__context__
    return None


def is_lock_timeout(exc: BaseException) -> bool:
    return sqlstate(exc) == LOCK_NOT_AVAILABLE


def backoff_ms(config: GuardConfig, attempt: int) -> int:
    """Delay before retry ``attempt`` (1-based): doubling from RETRY_DELAY, capped at RETRY_MAX_DELAY."""
    return int(min(config.retry_max_delay_ms, config.retry_delay_ms * 2 ** (attempt - 1)))
