"""Session-level guarantees on a real PostgreSQL: timeouts inside RunPython (atomic or not), a SIGKILL
during a slow data migration, the direct-to-primary URL, and blocked migrations refused before anything
runs."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from djhelm.runtime.migration_settings import load_config
from tests.runtime.harness import Release, applied, columns, migration_events, query
from tests.support.postgres import PostgresServer

pytestmark = pytest.mark.postgres


def _install_v1(v1: Release) -> None:
    v1.manage("migrate_phase", "pre", check=True)
    v1.manage("migrate_phase", "post", check=True)


def test_timeouts_apply_inside_atomic_and_non_atomic_run_python(
    release: Callable[[int], Release], tmp_path: Path
) -> None:
    v4 = release(4)
    probe = tmp_path / "probe.jsonl"
    _install_v1(release(1))  # not a first install: the probes (behind v2's contract) run in post
    v4.manage("migrate_phase", "pre", check=True)
    v4.manage(
        "migrate_phase", "post", check=True, SHOP_PROBE_FILE=str(probe), DJHELM_STATEMENT_TIMEOUT="7min"
    )
    seen = {row["migration"]: row for row in map(json.loads, probe.read_text().splitlines())}
    assert seen["0007_probe_atomic"] == {
        "migration": "0007_probe_atomic",
        "lock_timeout": "200ms",
        "statement_timeout": "7min",
        "in_transaction": True,
    }
    assert seen["0008_probe_not_atomic"] == {
        "migration": "0008_probe_not_atomic",
        "lock_timeout": "200ms",
        "statement_timeout": "7min",
        "in_transaction": False,
    }


def _post_inside_slow_run_python(
    release: Callable[[int], Release], tmp_path: Path, seconds: int
) -> tuple[Release, subprocess.Popen[str]]:
    """v1 installed, v4's pre applied; v4's post started and held inside its slow RunPython migration."""
    v1, v4 = release(1), release(4)
    _install_v1(v1)
    v4.manage("migrate_phase", "pre", check=True)
    marker = tmp_path / "slow.started"
    run = v4.spawn("migrate_phase", "post", SHOP_SLOW_SECONDS=str(seconds), SHOP_SLOW_MARKER=str(marker))
    deadline = time.monotonic() + 30
    while not marker.exists():
        assert run.poll() is None and time.monotonic() < deadline, run.communicate()
        time.sleep(0.05)
    return v4, run


def test_sigkill_during_slow_run_python_then_rerun_converges(
    release: Callable[[int], Release], tmp_path: Path
) -> None:
    v4, run = _post_inside_slow_run_python(release, tmp_path, seconds=60)
    run.kill()
    run.communicate()
    assert "0007_probe_atomic" not in applied(v4.database_url)

    assert "0006_delete_note" in applied(v4.database_url)  # the contract migrations before it are done

    rerun = v4.manage("migrate_phase", "post", check=True)
    assert list(migration_events(rerun.stdout)) == ["shop.0007_probe_atomic", "shop.0008_probe_not_atomic"]
    # the killed attempt's row died with its transaction
    assert query(v4.database_url, "SELECT count(*) FROM shop_product WHERE name = 'half-done'") == [(0,)]
    assert "legacy_code" not in columns(v4.database_url, "shop_product")


def test_a_migration_failing_in_python_still_gets_its_log_line(release: Callable[[int], Release]) -> None:
    v1, v4 = release(1), release(4)
    _install_v1(v1)
    v4.manage("migrate_phase", "pre", check=True)
    failed = v4.manage("migrate_phase", "post", SHOP_PROBE_FAIL="1")
    assert failed.returncode != 0
    line = migration_events(failed.stdout)["shop.0007_probe_atomic"]
    assert line["outcome"] == "failed" and line["phase"] == "post", line
    assert "probe failed on purpose" in line["error"] and line["retries"] == 0
    assert "ValueError" in failed.stderr  # the traceback is kept: it is a bug in the migration's code
    assert "0007_probe_atomic" not in applied(v4.database_url)


def test_database_migration_url_takes_over_the_default_alias(
    release: Callable[[int], Release], postgres_server: PostgresServer
) -> None:
    real = release(2)
    pooled = Release(real.tree, postgres_server.url("no_such_database"))
    result = pooled.manage("migrate_phase", "pre", DATABASE_MIGRATION_URL=real.database_url)
    assert result.returncode == 0, result.stderr
    assert applied(real.database_url)[-1] == "0006_delete_note"  # a first install: everything
    assert pooled.manage("migrate_phase", "pre").returncode != 0  # the URL really was the one used
    waited = pooled.manage("migrate_phase", "wait", "--timeout", "0.3", "--interval", "0.1")
    assert waited.returncode == 1 and "database error" in waited.stderr and "Traceback" not in waited.stderr


def test_blocked_migration_is_refused_before_anything_runs(release: Callable[[int], Release]) -> None:
    v5 = release(5)
    _install_v1(release(1))  # on an empty database every table is new: nothing would be unsafe
    plan = json.loads(v5.manage("migrate_phase", "plan", "--format", "json", check=True).stdout)
    assert plan["refused"] == ["shop.0007_product_weight"]
    for phase in ("pre", "post"):
        refused = v5.manage("migrate_phase", phase)
        assert refused.returncode == 2, refused.stderr
        assert "shop.0007_product_weight" in refused.stderr and "nothing was applied" in refused.stderr
        assert "Traceback" not in refused.stderr
    assert "sku" not in columns(v5.database_url, "shop_product")


@pytest.mark.parametrize("value", ["0", "5000", "250ms", "1500us", "5s", "5min", "2h", "1d"])
def test_timeout_spellings_mean_what_postgresql_reads_in_pgoptions(value: str, postgres_db: str) -> None:
    """The chart passes migrations.lockTimeout / statementTimeout both to PGOPTIONS (read by PostgreSQL) and
    to DJHELM_LOCK_TIMEOUT / DJHELM_STATEMENT_TIMEOUT (read by load_config, whose SET wins): every spelling
    the chart's schema accepts must mean the same to both, a bare number included (milliseconds)."""
    config = load_config(None, {"DJHELM_LOCK_TIMEOUT": value, "DJHELM_STATEMENT_TIMEOUT": value})
    pgoptions = f"-c lock_timeout={value} -c statement_timeout={value}"  # as the chart's ConfigMap writes it
    with psycopg.connect(postgres_db, options=pgoptions) as conn:
        # A session started with statement_timeout=1500us cancels any read slower than that (a busy
        # machine's catalog query): lift it first with a bare SET (microseconds of server time), then read
        # what the connection options set, which is the setting's reset value.
        conn.execute("SET statement_timeout = 0")
        rows = conn.execute("SELECT name, reset_val FROM pg_settings "  # pg_settings: in milliseconds
                            "WHERE name IN ('lock_timeout', 'statement_timeout')").fetchall()
    assert {name: int(setting) for name, setting in rows} == {
        "lock_timeout": config.lock_timeout_ms,
        "statement_timeout": config.statement_timeout_ms,
    }


def test_a_table_created_in_this_release_is_new_to_the_old_code(release: Callable[[int], Release]) -> None:
    """As `djhelm migrations check --since` judges a release: a NOT NULL field with a Python default on a
    table that an earlier pending migration creates is no risk (old code has never heard of the table)."""
    v2, v6 = release(2), release(6)
    v2.manage("migrate_phase", "pre", check=True)  # a first install: everything of v2
    plan = json.loads(v6.manage("migrate_phase", "plan", "--format", "json", check=True).stdout)
    assert plan["pre"] == ["shop.0007_tag", "shop.0008_tag_weight"] and plan["refused"] == [], plan
    v6.manage("migrate_phase", "pre", check=True)
    assert "weight" in columns(v6.database_url, "shop_tag")


def test_a_lost_connection_says_what_happened_and_that_a_rerun_is_safe(
    release: Callable[[int], Release], tmp_path: Path
) -> None:
    """The session is ended from outside mid-migration, as a server restart or failover does; the run used
    to end with the bare error, naming neither the cause nor the cure."""
    v4, run = _post_inside_slow_run_python(release, tmp_path, seconds=3)
    ended = query(
        v4.database_url,
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    assert ended[0][0] >= 1
    _, stderr = run.communicate(timeout=60)
    assert run.returncode == 1, stderr
    assert "shop.0007_probe_atomic failed: " in stderr, stderr
    assert "The connection to the database was lost" in stderr
    assert "Rerunning `migrate_phase post` is safe" in stderr
    assert "Traceback" not in stderr
    rerun = v4.manage("migrate_phase", "post", check=True)
    assert "shop.0007_probe_atomic" in migration_events(rerun.stdout)
    assert query(v4.database_url, "SELECT count(*) FROM shop_product WHERE name = 'half-done'") == [(0,)]
