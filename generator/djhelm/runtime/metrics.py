"""djhelm's own Prometheus metrics, on the same registry (and files) as django-prometheus's.

Two kinds:
- counters kept by the app's processes as things happen (a replica read retried on the primary, a replica
  taken out of rotation): in a multi-worker server they reach the scrape through prometheus_client's
  multiprocess files (``PROMETHEUS_MULTIPROC_DIR``), like django-prometheus's request counters;
- gauges read from the database when Prometheus scrapes (``DatabaseCollector``): migrations pending per
  phase, the ledger's last run per phase, live app processes per code version. They describe the shared
  database, not one process, so every pod reports the same numbers; rules aggregate them with max().

prometheus_client is optional (``pip install djhelm[metrics]``): without it the counters do nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger("djhelm.runtime.metrics")

PHASES = ("pre", "post", "refused")
SKIP_REASONS = ("lag", "unreachable", "failed")

try:
    from prometheus_client import Counter
except ImportError:  # pragma: no cover - exercised by installs without the metrics extra
    Counter = None  # type: ignore[assignment,misc]

ENABLED = Counter is not None
_fallbacks: Any = None
_skips: Any = None
if Counter is not None:
    _fallbacks = Counter(
        "djhelm_replica_fallbacks", "Replica reads that failed and were retried on the primary.", ["replica"]
    )
    _skips = Counter(
        "djhelm_replica_skips",
        "Times a replica was taken out of read rotation, by reason (lag, unreachable, failed query).",
        ["replica", "reason"],
    )


def initialise(replicas: Iterable[str]) -> None:
    """Export every configured replica's counters at 0 from the start: a series that appears only with its
    first increment hides that increment from rate() and leaves alerts and panels on "no data"."""
    if _fallbacks is None or _skips is None:
        return
    for replica in replicas:
        _fallbacks.labels(replica=replica)
        for reason in SKIP_REASONS:
            _skips.labels(replica=replica, reason=reason)


def count_fallback(replica: str) -> None:
    if _fallbacks is not None:
        _fallbacks.labels(replica=replica).inc()


def count_skip(replica: str, reason: str) -> None:
    if _skips is not None:
        _skips.labels(replica=replica, reason=reason).inc()


@dataclass(frozen=True)
class LastRun:
    """The newest ledger run of one phase, summed over its migrations."""

    phase: str
    finished_at: float  # unix seconds
    duration_s: float
    migrations: int
    failed: int
    lock_retries: int


@dataclass(frozen=True)
class CodeVersion:
    code: str
    processes: int
    started_at: float  # unix seconds, the earliest start among its live processes


@dataclass(frozen=True)
class Snapshot:
    """What the database says at one scrape; None where djhelm's tables do not exist yet."""

    pending: dict[str, int]
    last_runs: list[LastRun] | None
    versions: list[CodeVersion] | None


_LAST_RUNS = (
    "WITH last AS (SELECT DISTINCT ON (run_phase) run_phase, run FROM {table} ORDER BY run_phase, id DESC) "
    "SELECT l.run_phase, EXTRACT(EPOCH FROM max(t.finished_at)), sum(t.duration_ms), count(*), "
    "count(*) FILTER (WHERE t.outcome <> 'applied'), sum(t.retries) "
    "FROM last l JOIN {table} t ON t.run_phase = l.run_phase AND t.run = l.run "
    "GROUP BY l.run_phase ORDER BY l.run_phase"
)
_VERSIONS = (
    "SELECT code, count(*), EXTRACT(EPOCH FROM min(started_at)) FROM {table} "
    "WHERE heartbeat_at > now() - make_interval(secs => %s) GROUP BY code ORDER BY code"
)


def read_snapshot(connection: Any, plan_pending: Callable[[], dict[str, int]], ttl_s: float) -> Snapshot:
    from djhelm.runtime import ledger, processes
    from djhelm.runtime.guards import table_exists

    pending = plan_pending()
    with connection.cursor() as cursor:
        last_runs: list[LastRun] | None = None
        if table_exists(cursor, ledger.TABLE):
            cursor.execute(_LAST_RUNS.format(table=ledger.TABLE))
            last_runs = [
                LastRun(phase, float(at), int(ms) / 1000, int(count), int(failed), int(retries))
                for phase, at, ms, count, failed, retries in cursor.fetchall()
            ]
        versions: list[CodeVersion] | None = None
        if table_exists(cursor, processes.TABLE):
            cursor.execute(_VERSIONS.format(table=processes.TABLE), [ttl_s])
            versions = [CodeVersion(code, int(count), float(at)) for code, count, at in cursor.fetchall()]
    return Snapshot(pending, last_runs, versions)


class DatabaseCollector:
    """A prometheus_client collector that reads djhelm's state from the database on each scrape.

    Scrapes are serialised and the connection is closed after each one: the exporter's HTTP server runs
    every request in a new thread, and Django keeps one connection per thread.
    """

    def __init__(self, alias: str = "default") -> None:
        self.alias = alias
        self._lock = threading.Lock()
        self._verdicts: dict[Any, Any] = {}  # the code does not change under a running exporter

    def _pending(self) -> dict[str, int]:
        from django.conf import settings
        from django.db import connections
        from django.db.migrations.executor import MigrationExecutor

        from djhelm.runtime.migration_settings import load_config
        from djhelm.runtime.runner import make_plan

        config = load_config(getattr(settings, "DJHELM_MIGRATIONS", None))
        plan = make_plan(MigrationExecutor(connections[self.alias]), config, self._verdicts)
        return {phase: len(plan.run_in(phase)) for phase in PHASES}  # type: ignore[arg-type]

    def snapshot(self) -> Snapshot | None:
        from django.conf import settings
        from django.db import connections
        from django.db.utils import DatabaseError

        from djhelm.runtime.migration_settings import load_config

        connection = connections[self.alias]
        with self._lock:
            try:
                ttl_s = load_config(getattr(settings, "DJHELM_MIGRATIONS", None)).process_ttl_ms / 1000
                return read_snapshot(connection, self._pending, ttl_s)
            except DatabaseError as exc:
                logger.warning("djhelm metrics: could not read the database (%s)", exc)
                return None
            finally:
                connection.close()

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        snapshot = self.snapshot()
        up = GaugeMetricFamily("djhelm_database_up", "1 when djhelm's exporter could read the database.")
        up.add_metric([], 0 if snapshot is None else 1)
        yield up
        if snapshot is None:
            return
        pending = GaugeMetricFamily(
            "djhelm_migrations_pending",
            "Migrations this code ships that are not applied, by the phase migrate_phase would run them in "
            "(refused: blocked by the checker).",
            labels=["phase"],
        )
        for phase in PHASES:
            pending.add_metric([phase], snapshot.pending.get(phase, 0))
        yield pending
        if snapshot.last_runs is not None:
            yield from _last_run_families(snapshot.last_runs)
        if snapshot.versions is not None:
            alive = GaugeMetricFamily(
                "djhelm_app_processes",
                "Live app processes in the registry, by code version.",
                labels=["code"],
            )
            started = GaugeMetricFamily(
                "djhelm_code_started_timestamp_seconds",
                "When the oldest live process of each code version started (a deploy's start).",
                labels=["code"],
            )
            for version in snapshot.versions:
                alive.add_metric([version.code], version.processes)
                started.add_metric([version.code], version.started_at)
            yield alive
            yield started


def _last_run_families(runs: list[LastRun]) -> Iterator[Any]:
    from prometheus_client.core import GaugeMetricFamily

    prefix = "djhelm_migration_last_run_"
    families = {
        "timestamp_seconds": "When the newest migrate_phase run of each phase finished its last migration.",
        "duration_seconds": "Time the newest run of each phase spent applying migrations.",
        "migrations": "Migrations the newest run of each phase applied or tried.",
        "failed": "Migrations that failed in the newest run of each phase (0 = success).",
        "lock_retries": "lock_timeout retries in the newest run of each phase.",
    }
    built = {
        name: GaugeMetricFamily(prefix + name, text, labels=["phase"]) for name, text in families.items()
    }
    for run in runs:
        built["timestamp_seconds"].add_metric([run.phase], run.finished_at)
        built["duration_seconds"].add_metric([run.phase], run.duration_s)
        built["migrations"].add_metric([run.phase], run.migrations)
        built["failed"].add_metric([run.phase], run.failed)
        built["lock_retries"].add_metric([run.phase], run.lock_retries)
    yield from built.values()
