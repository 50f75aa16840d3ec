"""Plan and apply one deploy phase with Django's MigrationExecutor (so django_migrations stays Django's)."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.management.sql import emit_post_migrate_signal, emit_pre_migrate_signal
from django.db.migrations.executor import MigrationExecutor
from django.db.utils import DatabaseError

from djhelm.runtime.guards import backoff_ms, is_lock_timeout, is_postgres
from djhelm.runtime.indexes import drop_index, leftover_indexes
from djhelm.runtime.log import json_line, migration_line
from djhelm.runtime.migration_settings import GuardConfig
from djhelm.runtime.phases import Key, Plan, Step, build_plan, label
from djhelm.safety.model import MigrationVerdict

Emit = Callable[[str], None]
# (step, "applied" | "failed", duration_ms, retries, error)
Outcome = Callable[[Step, str, int, int, str | None], None]


class MigrationFailed(RuntimeError):
    pass


def _classifier(loader: Any, config: GuardConfig) -> Callable[[Collection[Key]], Iterable[MigrationVerdict]]:
    def classify(pending: Collection[Key]) -> Iterable[MigrationVerdict]:
        if not pending:
            return []
        from djhelm.safety import classify_loader

        # "pre" mode: the checker judges the project's own apps (its default); the rest is trusted as pre.
        # dependencies=False: a pre migration behind a post one is this module's business (deferred to the
        # post phase, or an earlier release's missing contract phase), not a blocked migration.
        # only_is_pending: these are the unapplied migrations, so a table one of them creates is new to the
        # running code, as `djhelm migrations check --since` judges a release.
        apps = sorted({app for app, _ in pending}) if config.third_party == "judge" else None
        return classify_loader(
            loader, app_labels=apps, only=set(pending), dependencies=False, only_is_pending=True,
            listed_phases=config.phases,
        )

    return classify


def make_plan(
    executor: MigrationExecutor,
    config: GuardConfig,
    cache: dict[Key, MigrationVerdict | None] | None = None,
) -> Plan:
    """Every pending migration with its phase. ``cache`` keeps verdicts between calls (same code)."""
    loader = executor.loader
    graph = loader.graph
    pending: list[Key] = [(m.app_label, m.name) for m, _ in executor.migration_plan(graph.leaf_nodes())]
    parents = {key: [p.key for p in graph.node_map[key].parents] for key in pending}
    applied = set(loader.applied_migrations)
    classify = _classifier(loader, config)
    if cache is None:
        return build_plan(pending, parents, applied, classify)

    def cached(keys: Collection[Key]) -> Iterable[MigrationVerdict]:
        missing = [key for key in keys if key not in cache]
        if missing:
            found = {(v.app, v.name): v for v in classify(missing)}
            cache.update({key: found.get(key) for key in missing})
        return [v for key in keys if (v := cache[key]) is not None]

    return build_plan(pending, parents, applied, cached)


@dataclass
class PhaseResult:
    applied: list[Step] = field(default_factory=list)


def apply_steps(
    executor: MigrationExecutor,
    steps: list[Step],
    phase: str,
    config: GuardConfig,
    emit: Emit,
    verbosity: int = 1,
    on_outcome: Outcome | None = None,
) -> PhaseResult:
    """Apply ``steps`` in order; a lock_timeout is retried with backoff, anything else stops the run.
    ``on_outcome(step, outcome, duration_ms, retries, error)`` hears of each migration's end (the ledger)."""
    result = PhaseResult()
    if not steps:
        return result
    connection = executor.connection
    loader = executor.loader
    state = executor._create_project_state(with_applied_migrations=True)
    plan = [(loader.graph.nodes[step.key], False) for step in steps]
    # render a copy for the signal: an unrendered state applies migrations faster (as `migrate` does)
    emit_pre_migrate_signal(verbosity, False, connection.alias, apps=state.clone().apps, plan=plan)
    for step, (migration, _) in zip(steps, plan, strict=True):
        retries = 0
        started = time.monotonic()

        while True:
            try:
                if not migration.atomic and is_postgres(connection):
                    for schema, index, valid in leftover_indexes(connection, migration, state):
                        # logged before the DROP: it waits for lockers too and may itself hit lock_timeout
                        emit(
                            json_line(
                                "index_repair",
                                app=step.app,
                                name=step.name,
                                drop=f"{schema}.{index}",
                                left_by="an interrupted attempt (valid, unrecorded)"
                                if valid
                                else "a failed concurrent build (invalid)",
                            )
                        )
                        drop_index(connection, schema, index)
                state = executor.apply_migration(state, migration)
                break
            except DatabaseError as exc:
                # apply_migration mutates the state in place: rebuild it from what is recorded
                state = _fresh_state(executor)
                if is_lock_timeout(exc) and retries < config.lock_retries:
                    retries += 1
                    delay = backoff_ms(config, retries)
                    emit(
                        json_line(
                            "lock_timeout",
                            app=step.app,
                            name=step.name,
                            retry=retries,
                            retry_in_ms=delay,
                            error=_first_line(exc),
                        )
                    )
                    time.sleep(delay / 1000)
                    continue
                emit(_outcome_line(step, phase, started, retries, "failed", _first_line(exc)))
                if on_outcome is not None:
                    on_outcome(step, "failed", _ms_since(started), retries, _first_line(exc))
                hint = ""
                if is_lock_timeout(exc):
                    hint = (
                        f" (gave up after {retries} retries: a long transaction holds a lock on its table; "
                        "find it in pg_stat_activity, or raise DJHELM_LOCK_RETRIES)"
                    )
                elif connection_lost(connection, exc):
                    hint = f"\n{lost_connection_advice(phase)}"
                raise MigrationFailed(f"{label(step.key)} failed: {_first_line(exc)}{hint}") from exc
            except Exception as exc:
                # a bug in the migration's own code (RunPython): logged like any failure, traceback kept
                error = f"{type(exc).__name__}: {_first_line(exc)}"
                emit(_outcome_line(step, phase, started, retries, "failed", error))
                if on_outcome is not None:
                    on_outcome(step, "failed", _ms_since(started), retries, error)
                raise
        emit(_outcome_line(step, phase, started, retries, "applied"))
        if on_outcome is not None:
            on_outcome(step, "applied", _ms_since(started), retries, None)
        result.applied.append(step)
    state.clear_delayed_apps_cache()
    emit_post_migrate_signal(verbosity, False, connection.alias, apps=state.apps, plan=plan)
    return result


# SQLSTATE classes and codes of a session that ended: connection exceptions (08), admin/crash shutdown and
# "cannot connect now" (57P01-57P03), as a restart, failover or pg_terminate_backend reports them.
_LOST_SQLSTATES = ("08", "57P01", "57P02", "57P03")
# libpq's words when the socket died before the server could say why
_LOST_WORDS = ("server closed the connection", "connection is closed", "consuming input failed",
               "terminating connection", "connection to server", "no connection to the server")


def connection_lost(connection: Any, error: BaseException | None = None) -> bool:
    """Whether the session is gone (server restart, failover, pg_terminate_backend), not just one query.

    Django closes a connection whose rollback failed and the next query opens a new one, so by the time
    the failure is reported the connection may be healthy again: the error itself is asked first.
    """
    cause = error
    while cause is not None:
        state = str(getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None) or "")
        if state.startswith(_LOST_SQLSTATES):
            return True
        if isinstance(cause, DatabaseError | OSError) and any(w in str(cause) for w in _LOST_WORDS):
            return True
        cause = cause.__cause__ or cause.__context__
    raw = getattr(connection, "connection", None)
    if raw is None or bool(getattr(raw, "closed", False)):
        return True
    try:
        return not connection.is_usable()
    except DatabaseError:
        return True


def lost_connection_advice(phase: str) -> str:
    return (
        "  The connection to the database was lost (the server restarted, failed over, or ended the "
        f"session). Rerunning `migrate_phase {phase}` is safe: each migration commits on its own, the "
        "interrupted one was rolled back with its connection, and an index left INVALID by an interrupted "
        "CREATE INDEX CONCURRENTLY is rebuilt on the next run."
    )


def _fresh_state(executor: MigrationExecutor) -> Any:
    executor.loader.build_graph()
    return executor._create_project_state(with_applied_migrations=True)


def _ms_since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def _outcome_line(
    step: Step, phase: str, started: float, retries: int, outcome: str, error: str | None = None
) -> str:
    """The one log line each migration gets, whatever happened to it."""
    return migration_line(
        app=step.app,
        name=step.name,
        phase=phase,
        duration_ms=_ms_since(started),
        retries=retries,
        outcome=outcome,
        error=error,
    )
