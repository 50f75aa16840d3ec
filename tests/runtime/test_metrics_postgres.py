"""djhelm's Prometheus gauges, read from a real PostgreSQL by the collector the metrics container serves:
pending migrations per phase as the release's own code sees them, the ledger's newest run per phase, live
processes per code version (expired heartbeats excluded), and a clear 0 for djhelm_database_up when the
database cannot be read."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from tests.examples.harness import closed_port_url
from tests.runtime.harness import Release, query

pytestmark = pytest.mark.postgres

# Runs inside the release's code: the collector as `manage.py djhelm_metrics` registers it, one scrape.
SCRAPE = (
    "from prometheus_client import CollectorRegistry, generate_latest; "
    "from djhelm.runtime.metrics import DatabaseCollector; "
    "registry = CollectorRegistry(); registry.register(DatabaseCollector()); "
    "print(generate_latest(registry).decode())"
)


def _samples(release: Release, **env: str) -> dict[str, float]:
    output = release.manage("shell", "-c", SCRAPE, check=True, **env).stdout
    samples = {}
    for line in output.splitlines():
        match = re.fullmatch(r"(djhelm_[a-z_]+(?:\{[^}]*\})?) (\S+)", line)
        if match:
            samples[match.group(1)] = float(match.group(2))
    return samples


def test_pending_migrations_and_last_runs_follow_the_phases(release: Callable[[int], Release]) -> None:
    v1, v2 = release(1), release(2)
    v1.manage("migrate_phase", "pre", check=True)
    v1.manage("migrate_phase", "post", check=True)
    before = _samples(v2)
    assert before['djhelm_migrations_pending{phase="post"}'] == 2  # v2's two contract migrations
    assert before['djhelm_migrations_pending{phase="pre"}'] >= 1
    assert before["djhelm_database_up"] == 1
    installed = before['djhelm_migration_last_run_migrations{phase="first-install"}']
    assert installed == len(query(v1.database_url, "SELECT 1 FROM django_migrations"))
    assert before['djhelm_migration_last_run_failed{phase="first-install"}'] == 0

    v2.manage("migrate_phase", "pre", check=True)
    after_pre = _samples(v2)
    assert after_pre['djhelm_migrations_pending{phase="pre"}'] == 0
    assert after_pre['djhelm_migrations_pending{phase="post"}'] == 2
    assert after_pre['djhelm_migration_last_run_migrations{phase="pre"}'] == before[
        'djhelm_migrations_pending{phase="pre"}']
    assert 'djhelm_migration_last_run_migrations{phase="post"}' not in after_pre  # no post run yet
    # the old code sees nothing of its own pending: it does not know v2's migrations
    assert _samples(v1)['djhelm_migrations_pending{phase="pre"}'] == 0

    v2.manage("migrate_phase", "post", check=True)
    after_post = _samples(v2)
    assert after_post['djhelm_migrations_pending{phase="post"}'] == 0
    assert after_post['djhelm_migration_last_run_migrations{phase="post"}'] == 2
    assert after_post['djhelm_migration_last_run_timestamp_seconds{phase="post"}'] >= after_pre[
        'djhelm_migration_last_run_timestamp_seconds{phase="pre"}']


def test_live_processes_are_counted_per_code_version(release: Callable[[int], Release]) -> None:
    v1 = release(1)
    v1.manage("migrate", check=True)  # a plain migrate creates djhelm's tables too (post_migrate)
    rows = [("a", "old0old0old0", "0 seconds", "1 hour"), ("b", "old0old0old0", "0 seconds", "50 minutes"),
            ("c", "new1new1new1", "1 second", "5 minutes"), ("d", "gone2gone2gone", "10 minutes", "2 hours")]
    for instance, code, beat_age, start_age in rows:
        query(v1.database_url,
              "INSERT INTO djhelm_process (instance, host, pid, parent_pid, role, started_at, heartbeat_at, "
              "code, known) VALUES (%s, 'h', 1, 0, 'gunicorn', now() - %s::interval, now() - %s::interval, "
              "%s, '{}'::jsonb) RETURNING 1", (instance, start_age, beat_age, code))
    samples = _samples(v1)
    assert samples['djhelm_app_processes{code="old0old0old0"}'] == 2
    assert samples['djhelm_app_processes{code="new1new1new1"}'] == 1
    assert 'djhelm_app_processes{code="gone2gone2gone"}' not in samples  # its heartbeat expired
    old_start = samples['djhelm_code_started_timestamp_seconds{code="old0old0old0"}']
    new_start = samples['djhelm_code_started_timestamp_seconds{code="new1new1new1"}']
    assert 3300 < new_start - old_start < 3400  # the oldest process of each version: 1 h vs 5 min ago


def test_an_unreachable_database_is_reported_not_raised(release: Callable[[int], Release]) -> None:
    samples = _samples(release(1), DATABASE_URL=closed_port_url())
    assert samples == {"djhelm_database_up": 0}
