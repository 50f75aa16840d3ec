"""The guards against a real PostgreSQL: lock_timeout + retries under a long transaction, the advisory lock
between two concurrent runs, and resuming a non-atomic CREATE INDEX CONCURRENTLY after a failure or a
SIGKILL."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from djhelm.runtime.migration_settings import GuardConfig
from tests.runtime.harness import (
    Load,
    Release,
    applied,
    columns,
    events,
    indexes,
    migration_events,
    query,
    record,
    tables,
)
from tests.support.postgres import PostgresServer

pytestmark = pytest.mark.postgres

LOCK_TIMEOUT_MS = 200
INDEX = "shop_product_name_idx"


@contextmanager
def table_lock(database_url: str, table: str = "shop_product") -> Iterator[psycopg.Connection]:
    """A long transaction holding ROW EXCLUSIVE on the table (as an open UPDATE would): it blocks ALTER TABLE
    and the wait phase of CREATE INDEX CONCURRENTLY, not the application's reads and writes."""
    conn = psycopg.connect(database_url)
    conn.execute(f"LOCK TABLE {table} IN ROW EXCLUSIVE MODE")
    try:
        yield conn
    finally:
        conn.rollback()
        conn.close()


def _install_v1(v1: Release) -> None:
    v1.manage("migrate_phase", "pre", check=True)
    v1.manage("migrate_phase", "post", check=True)


def _until(database_url: str, sql: str, what: str, timeout: float = 60) -> None:
    """Poll pg_stat_activity until ``sql`` returns a row: the tests order events by database state, never by
    how fast a process starts on a loaded machine."""
    deadline = time.monotonic() + timeout
    while not query(database_url, sql):
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.02)


ALTER_WAITING = (
    "SELECT 1 FROM pg_stat_activity WHERE query ILIKE 'ALTER TABLE%%' AND wait_event_type = 'Lock'"
)


def _pre_under_long_transaction(
    v1: Release, v2: Release, workdir: Path, hold: float, lock_timeout: str
) -> tuple[str, dict[str, object]]:
    _install_v1(v1)
    load = Load(v1, workdir, f"v1-lock-{lock_timeout}").start()
    with table_lock(v2.database_url):
        run = v2.spawn("migrate_phase", "pre", DJHELM_LOCK_TIMEOUT=lock_timeout)
        _until(v2.database_url, ALTER_WAITING, "the migration waits for the table lock")
        time.sleep(hold)  # held this long after the migration first queued for it
    stdout, stderr = run.communicate(timeout=60)
    result = load.stop()
    assert run.returncode == 0, stdout + stderr
    return stdout, result


def test_lock_timeout_gives_up_retries_and_keeps_old_code_fast(
    code_trees: dict[int, Path], postgres_server: PostgresServer, tmp_path: Path, results_file: Path
) -> None:
    guarded_db = postgres_server.create_database("guard_on")
    unguarded_db = postgres_server.create_database("guard_off")
    output, guarded = _pre_under_long_transaction(
        Release(code_trees[1], guarded_db),
        Release(code_trees[2], guarded_db),
        tmp_path,
        2.0,
        f"{LOCK_TIMEOUT_MS}ms",
    )
    first = migration_events(output)["shop.0002_product_sku"]
    assert first["outcome"] == "applied" and first["retries"] > 0, output
    assert any(e["event"] == "lock_timeout" for e in events(output))
    assert "sku" in columns(guarded_db, "shop_product")

    # the same story without the guard: lock_timeout 0 = wait forever, as plain `migrate` does
    _, unguarded = _pre_under_long_transaction(
        Release(code_trees[1], unguarded_db), Release(code_trees[2], unguarded_db), tmp_path, 3.0, "0"
    )
    record(
        results_file,
        "long transaction holds the table (v1 load)",
        {
            "lock_timeout_ms": LOCK_TIMEOUT_MS,
            "retries": first["retries"],
            "guarded (lock_timeout 200ms, held 2s)": guarded,
            "unguarded (no lock_timeout, held 3s)": unguarded,
        },
    )
    assert guarded["failed"] == 0 and unguarded["failed"] == 0
    assert guarded["worst_ms"] < 10 * LOCK_TIMEOUT_MS, guarded  # type: ignore[operator]
    assert unguarded["worst_ms"] > guarded["worst_ms"], (guarded, unguarded)  # type: ignore[operator]


def test_two_concurrent_pre_runs_take_turns(release: Callable[[int], Release]) -> None:
    v1, v2 = release(1), release(2)
    _install_v1(v1)
    with table_lock(v2.database_url):  # keeps the first run busy (advisory lock held) while the second starts
        first = v2.spawn("migrate_phase", "pre")
        _until(v2.database_url, ALTER_WAITING, "the first run waits for the table lock")
        second = v2.spawn("migrate_phase", "pre")
        # pg_stat_activity.query keeps an idle session's last statement: the second run has tried the lock
        # (the first run's session shows its ALTER TABLE, so this is the second's)
        tried = "SELECT 1 FROM pg_stat_activity WHERE query ILIKE 'SELECT pg_try_advisory_lock%%'"
        _until(v2.database_url, tried, "the second run tries the advisory lock")
    outputs = [proc.communicate(timeout=60) for proc in (first, second)]
    assert [proc.returncode for proc in (first, second)] == [0, 0], outputs
    applied_counts = sorted(len(migration_events(out)) for out, _ in outputs)
    assert applied_counts == [0, 3], outputs
    waiter = next(out for out, _ in outputs if not migration_events(out))
    assert "advisory lock" in waiter and '"apply":[]' in waiter, waiter
    assert applied(v2.database_url)[-1] == "0004_product_name_idx"
    assert indexes(v2.database_url, "shop_product")[INDEX] is True


def test_advisory_lock_wait_is_bounded_and_names_the_holder(release: Callable[[int], Release]) -> None:
    v2 = release(2)
    with psycopg.connect(v2.database_url, autocommit=True, application_name="other-migration-job") as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (GuardConfig().advisory_lock_key,))
        result = v2.manage("migrate_phase", "pre", DJHELM_ADVISORY_LOCK_WAIT="0.5s")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "gave up after 0.5s waiting for the migration advisory lock" in result.stderr
    assert "other-migration-job" in result.stderr and "Traceback" not in result.stderr
    assert "shop_product" not in tables(v2.database_url)


def _backend_building_index(database_url: str, timeout: float = 20) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = query(
            database_url,
            "SELECT pid FROM pg_stat_activity WHERE query ILIKE 'CREATE INDEX CONCURRENTLY%%' "
            "AND wait_event_type = 'Lock'",
        )
        if rows:
            return int(rows[0][0])
        time.sleep(0.05)
    raise AssertionError("CREATE INDEX CONCURRENTLY never started waiting")


def _wait_until_gone(database_url: str, pid: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while query(database_url, "SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)):
        assert time.monotonic() < deadline, f"backend {pid} still running"
        time.sleep(0.05)


def test_concurrent_index_build_is_resumable_after_failure_and_sigkill(
    release: Callable[[int], Release], results_file: Path
) -> None:
    v1, v2 = release(1), release(2)
    _install_v1(v1)
    v2.manage("migrate", "shop", "0003_product_stock", check=True)
    url = v2.database_url

    # 1. SIGKILL while the build waits for a long transaction, and the server ends the orphaned session:
    #    an INVALID index is left, the migration is not recorded
    with table_lock(url):
        run = v2.spawn("migrate_phase", "pre", DJHELM_LOCK_TIMEOUT="30s")
        backend = _backend_building_index(url)
        run.kill()
        run.communicate()
        query(url, "SELECT pg_terminate_backend(%s)", (backend,))
        _wait_until_gone(url, backend)
    assert indexes(url, "shop_product")[INDEX] is False
    assert applied(url)[-1] == "0003_product_stock"

    # 2. the next run repairs first; while the long transaction lasts even the DROP times out, and the retries
    #    run out with a clear message (nothing half-done is recorded)
    with table_lock(url):
        failed = v2.manage("migrate_phase", "pre", DJHELM_LOCK_RETRIES="2")
    assert failed.returncode == 1 and "gave up after 2 retries" in failed.stderr, (
        failed.stdout + failed.stderr
    )
    repairs = [e for e in events(failed.stdout) if e["event"] == "index_repair"]
    assert len(repairs) == 3 and "(invalid)" in repairs[0]["left_by"], failed.stdout
    assert applied(url)[-1] == "0003_product_stock"

    # 3. once the transaction is gone: drop the INVALID index, build it, record the migration
    rerun = v2.manage("migrate_phase", "pre", check=True)
    assert any("(invalid)" in e.get("left_by", "") for e in events(rerun.stdout)), rerun.stdout
    assert migration_events(rerun.stdout)["shop.0004_product_name_idx"]["outcome"] == "applied"
    assert indexes(url, "shop_product")[INDEX] is True

    # 3. SIGKILL while the build waits, the orphaned backend finishes the index: VALID but not recorded
    v2.manage("migrate", "shop", "0003_product_stock", check=True)  # unapply 0004 (drops the index)
    with table_lock(url):
        run = v2.spawn("migrate_phase", "pre", DJHELM_LOCK_TIMEOUT="30s")
        backend = _backend_building_index(url)
        run.kill()
        run.communicate()
    _wait_until_gone(url, backend)  # it completes the build, then notices its client is gone
    assert applied(url)[-1] == "0003_product_stock"
    leftover = indexes(url, "shop_product")[INDEX]
    rerun = v2.manage("migrate_phase", "pre", check=True)
    assert migration_events(rerun.stdout)["shop.0004_product_name_idx"]["outcome"] == "applied", rerun.stdout
    assert indexes(url, "shop_product")[INDEX] is True
    assert not [name for name, valid in indexes(url, "shop_product").items() if not valid]
    record(
        results_file,
        "sigkill during CREATE INDEX CONCURRENTLY",
        {
            "leftover after orphaned backend finished": "valid" if leftover else "invalid",
            "repair on rerun": [e["left_by"] for e in events(rerun.stdout) if e["event"] == "index_repair"],
        },
    )


def test_a_session_ended_while_waiting_for_the_advisory_lock_says_a_rerun_is_safe(
    release: Callable[[int], Release],
) -> None:
    """Outside any migration (here: polling for the advisory lock) a lost session used to surface as the
    cleanup's `database error: the connection is closed`."""
    v2 = release(2)
    with psycopg.connect(v2.database_url, autocommit=True, application_name="other-migration-job") as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (GuardConfig().advisory_lock_key,))
        waiting = v2.spawn("migrate_phase", "pre", DJHELM_ADVISORY_LOCK_WAIT="60s")
        tried = "SELECT 1 FROM pg_stat_activity WHERE query ILIKE 'SELECT pg_try_advisory_lock%%'"
        _until(v2.database_url, tried, "the run polls the advisory lock")
        holder.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND query ILIKE 'SELECT pg_try_advisory_lock%%'"
        )
        _, stderr = waiting.communicate(timeout=60)
    assert waiting.returncode == 1, stderr
    # libpq reports the server's FATAL message or only the closed socket, depending on timing
    assert "database error: " in stderr and "the connection is closed" not in stderr, stderr
    assert "Rerunning `migrate_phase pre` is safe" in stderr and "Traceback" not in stderr
    assert v2.manage("migrate_phase", "pre").returncode == 0
