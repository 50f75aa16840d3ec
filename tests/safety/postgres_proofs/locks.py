"""Small tools to watch PostgreSQL locks from two sessions, so a proof can say "this write waits".

"Blocks" is decided by the server, not by a clock: session B runs with a short ``lock_timeout``; if the
lock it needs conflicts with one session A holds (or has queued), PostgreSQL raises LockNotAvailable,
otherwise B gets the lock at once. No sleeps, no timed assertions.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import psycopg
from psycopg import errors

PROBE_LOCK_TIMEOUT = "100ms"


def connect(url: str, autocommit: bool = True) -> psycopg.Connection:
    return psycopg.connect(url, autocommit=autocommit)


def run(url: str, statements: Iterable[str]) -> None:
    """Run statements, each in its own implicit transaction (as the tests' setup)."""
    with connect(url) as conn:
        for sql in statements:
            conn.execute(sql)  # type: ignore[arg-type]


def attempt(url: str, sql: str) -> bool:
    """True if ``sql`` ran, False if it had to wait for a lock longer than the probe's lock_timeout."""
    with connect(url) as conn:
        conn.execute(f"SET lock_timeout = '{PROBE_LOCK_TIMEOUT}'")  # type: ignore[arg-type]
        try:
            conn.execute(sql)  # type: ignore[arg-type]
        except errors.LockNotAvailable:
            return False
        return True


@contextmanager
def holding(url: str, statements: Iterable[str]) -> Iterator[psycopg.Connection]:
    """Session A: run ``statements`` inside one open transaction (as a Django atomic migration does) and
    keep it open, with every lock they took, until the block ends; then roll back."""
    conn = connect(url, autocommit=False)
    try:
        for sql in statements:
            conn.execute(sql)  # type: ignore[arg-type]
        yield conn
    finally:
        conn.rollback()
        conn.close()


def lock_modes(conn: psycopg.Connection, table: str) -> set[str]:
    """Lock modes the session of ``conn`` holds on ``table`` (granted ones only)."""
    rows = conn.execute(
        "SELECT l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
        "WHERE l.pid = pg_backend_pid() AND l.granted AND c.relname = %s", (table,)).fetchall()
    return {row[0] for row in rows}


def relfilenode(url: str, table: str) -> int:
    """The file behind the table: it changes exactly when PostgreSQL rewrites the table."""
    with connect(url) as conn:
        row = conn.execute("SELECT relfilenode FROM pg_class WHERE relname = %s", (table,)).fetchone()
    assert row is not None, f"no relation {table}"
    return int(row[0])


@dataclass
class Background:
    """A statement running in its own session on a thread; ``pid`` is that session's backend."""

    pid: int
    thread: threading.Thread
    error: list[BaseException] = field(default_factory=list)


@contextmanager
def in_progress(url: str, ddl: str, old_request: str) -> Iterator[Background]:
    """Yield while ``ddl`` (session A, on a thread) is still in progress.

    To hold A mid-flight without sleeping, session C first opens a transaction that runs
    ``old_request`` (think: a web request of the old release) and keeps it open; A then waits for C.
    While A waits, the caller probes from session B; on exit C commits, A finishes, errors surface.
    """
    old = connect(url, autocommit=False)
    conn = connect(url)
    try:
        old.execute(old_request)  # type: ignore[arg-type]
        pid = int(conn.execute("SELECT pg_backend_pid()").fetchone()[0])  # type: ignore[index]
        job = Background(pid, threading.Thread(target=lambda: _run_into(conn, ddl, job), daemon=True))
        job.thread.start()
        _wait_until_waiting(url, pid, job)
        yield job
        old.commit()
        job.thread.join()
    finally:
        old.close()
        conn.close()
    if job.error:
        raise job.error[0]


def _run_into(conn: psycopg.Connection, sql: str, job: Background) -> None:
    try:
        conn.execute(sql)  # type: ignore[arg-type]
    except BaseException as error:  # reported to the test by in_progress
        job.error.append(error)


def _wait_until_waiting(url: str, pid: int, job: Background) -> None:
    with connect(url) as watcher:
        for _ in range(6_000):  # about a minute: only a broken setup gets this far
            if job.error or not job.thread.is_alive():
                raise AssertionError(f"background statement ended before waiting: {job.error}")
            row = watcher.execute(
                "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()
            if row and row[0] == "Lock":
                return
            watcher.execute("SELECT pg_sleep(0.01)")
    raise AssertionError("background statement never waited for a lock")
