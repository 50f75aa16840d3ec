"""manage.py migrate_phase ACTION: expand/contract migrations for rolling deploys.

pre     apply pending expand migrations (before the new code rolls out)
post    apply everything else, once no live process runs code that lacks those migrations
wait    exit 0 once every expand migration this code knows is applied (init containers)
plan    show what each phase would apply, and why
status  the live processes by code version, what is pending, and what post would wait for
history the ledger: every migration migrate_phase applied or failed, with its run, phase and timing
rollback-check  exit non-zero when this (older) code cannot read the schema: a contract it does not know
"""

from __future__ import annotations

import json
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.exceptions import InconsistentMigrationHistory
from django.db.migrations.executor import MigrationExecutor
from django.db.utils import DatabaseError

from djhelm.errors import DjhelmError
from djhelm.runtime import ledger, processes, tables
from djhelm.runtime.guards import AdvisoryLockTimeout, advisory_lock, is_postgres, session_timeouts
from djhelm.runtime.log import json_line
from djhelm.runtime.migration_settings import ConfigError, GuardConfig, load_config
from djhelm.runtime.migration_url import use_migration_url
from djhelm.runtime.phases import Key, Plan, label
from djhelm.runtime.replicas import options as replica_options
from djhelm.runtime.runner import (
    MigrationFailed,
    apply_steps,
    connection_lost,
    lost_connection_advice,
    make_plan,
)
from djhelm.safety.model import MigrationVerdict

REFUSED = 2  # the code or the configuration must change; running again won't help
FAILED = 1  # the database said no (timeout, lock wait): running again may help


class Command(BaseCommand):
    help = (
        "Apply Django migrations in deploy phases: pre (expand), post (contract); wait for them; plan them."
    )
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "action", choices=["pre", "post", "wait", "plan", "status", "history", "rollback-check"]
        )
        parser.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            help="database alias (DATABASE_MIGRATION_URL, when set, replaces its connection)",
        )
        parser.add_argument(
            "--timeout", type=float, default=None, help="wait: give up after this many seconds"
        )
        parser.add_argument("--interval", type=float, default=None, help="wait: seconds between checks")
        parser.add_argument("--format", choices=["text", "json"], default="text", help="plan: output format")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            self._handle(options)
        except DjhelmError as exc:  # the checker could not read a migration
            raise CommandError(str(exc), returncode=REFUSED) from None

    def _handle(self, options: dict[str, Any]) -> None:
        action: str = options["action"]
        alias: str = options["database"]
        try:
            config = load_config(getattr(settings, "DJHELM_MIGRATIONS", None))
        except ConfigError as exc:
            raise CommandError(f"{exc}", returncode=REFUSED) from None
        if action in ("pre", "post") and alias in replica_options.load().weights:
            # as replicas.no_migrate does for `migrate`: the schema reaches a replica by WAL replay only
            self._note(f"{alias} is a read replica: migrations run on the primary only and reach it by "
                       "replication; nothing to do here")
            return
        use_migration_url(alias)
        connection = connections[alias]
        if action == "plan":
            self._plan(connection, config, options["format"])
        elif action == "status":
            self._status(connection, config, options["format"])
        elif action == "history":
            self._history(connection, options["format"])
        elif action == "rollback-check":
            self._rollback_check(connection)
        elif action == "wait":
            if options["timeout"] is None or options["timeout"] <= 0:
                raise CommandError("wait needs --timeout SECONDS (a positive number)", returncode=REFUSED)
            interval = options["interval"] if options["interval"] else config.wait_interval_ms / 1000
            self._wait(connection, config, float(options["timeout"]), float(interval))
        else:
            self._migrate(connection, config, action, int(options["verbosity"]))

    # --- pre / post
    def _migrate(self, connection: Any, config: GuardConfig, phase: str, verbosity: int) -> None:
        if phase == "post" and is_postgres(connection):
            # before the advisory lock: the next release's pre Job must not queue behind this wait
            try:
                contract = [s.key for s in make_plan(MigrationExecutor(connection), config).run_in("post")]
                self._wait_for_old_code(connection, config, contract)
            except DatabaseError as exc:
                raise CommandError(_database_failure(exc, connection, phase), returncode=FAILED) from None
        if not is_postgres(connection):
            self._emit(
                json_line(
                    "warning",
                    message=f"{connection.vendor}: no advisory lock or timeouts (they need PostgreSQL)",
                )
            )
            self._run_phase(connection, config, phase, verbosity)
            return
        try:
            with (
                session_timeouts(connection, config),
                advisory_lock(connection, config, self._note) as waited,
            ):
                if waited > 0.5:
                    self._note(f"got the advisory lock after {waited:.1f}s; planning again")
                self._run_phase(connection, config, phase, verbosity)
        except AdvisoryLockTimeout as exc:
            raise CommandError(str(exc), returncode=FAILED) from None
        except DatabaseError as exc:
            raise CommandError(_database_failure(exc, connection, phase), returncode=FAILED) from None

    def _run_phase(self, connection: Any, config: GuardConfig, phase: str, verbosity: int) -> None:
        executor = MigrationExecutor(connection)
        try:
            executor.loader.check_consistent_history(connection)
        except InconsistentMigrationHistory as exc:
            raise CommandError(str(exc), returncode=REFUSED) from None
        conflicts = executor.loader.detect_conflicts()
        if conflicts:
            names = "; ".join(
                f"{app}: {', '.join(sorted(leaves))}" for app, leaves in sorted(conflicts.items())
            )
            raise CommandError(
                f"conflicting migrations (several leaf nodes): {names}. Fix: "
                "`manage.py makemigrations --merge`, then deploy again.",
                returncode=REFUSED,
            )
        plan = make_plan(executor, config)
        refused = plan.run_in("refused")
        if refused:
            lines = [f"  {label(s.key)}: {s.reason}" for s in refused]
            raise CommandError(
                f"migrate_phase {phase}: refusing to migrate, {len(refused)} migration(s) are unsafe as "
                "written "
                "(nothing was applied):\n" + "\n".join(lines),
                returncode=REFUSED,
            )
        if phase == "pre" and plan.errors:
            raise CommandError(
                "migrate_phase pre: nothing was applied.\n" + "\n".join(plan.errors), returncode=REFUSED
            )
        steps = plan.run_in("pre") if phase == "pre" else list(plan.steps)
        left = [label(s.key) for s in plan.steps if s not in steps]
        tables.create(connection)  # the migration role creates djhelm's tables; apps write rows
        run = ledger.new_run()
        shipped: dict[str, list[str]] = {}
        for app, name in executor.loader.disk_migrations:
            shipped.setdefault(app, []).append(name)
        code = processes.code_id(shipped)  # the id this code's processes register under
        run_phase = "first-install" if not executor.loader.applied_migrations else phase

        def on_outcome(step: Any, outcome: str, duration_ms: int, retries: int, error: str | None) -> None:
            ledger.record(connection, run, code, run_phase, step.app, step.name, step.phase, duration_ms,
                          retries, outcome, error)
        self._emit(json_line("phase_start", phase=phase, apply=[label(s.key) for s in steps], later=left))
        try:
            result = apply_steps(executor, steps, phase, config, self._emit, verbosity, on_outcome)
        except MigrationFailed as exc:
            raise CommandError(str(exc), returncode=FAILED) from None
        self._emit(json_line("phase_done", phase=phase, applied=len(result.applied), later=left))

    # --- post waits for the old code
    def _wait_for_old_code(self, connection: Any, config: GuardConfig, contract: list[Key]) -> None:
        """Apply nothing while a live process runs code that does not ship every contract migration."""
        if not contract:
            return
        deadline = time.monotonic() + config.post_wait_ms / 1000
        announced = 0.0
        while True:
            live = processes.live_processes(connection, config.process_ttl_ms / 1000)
            if not live:
                if not announced:
                    self._note("no process is registered: nothing tells whether old code still runs "
                               "(processes register when djhelm.runtime is in INSTALLED_APPS)")
                return
            waiting = processes.blockers(live, contract)
            if not waiting:
                if announced:
                    self._note("the old code is gone: every live process knows the contract migrations")
                return
            if time.monotonic() > deadline:
                names = "\n".join(f"  {p.describe()}" for p in waiting)
                raise CommandError(
                    f"migrate_phase post: nothing was applied; after {config.post_wait_ms / 1000:g}s these "
                    f"processes still run code without {', '.join(label(k) for k in contract)}:\n{names}\n"
                    "Run post again once they are gone (or raise DJHELM_MIGRATIONS['POST_WAIT'])",
                    returncode=FAILED,
                )
            if time.monotonic() - announced >= 10:
                announced = time.monotonic()
                self._emit(json_line(
                    "waiting_for_old_code", migrations=[label(k) for k in contract],
                    processes=[{"host": p.host, "pid": p.pid, "role": p.role, "code": p.code,
                                "heartbeat_age_s": round(p.heartbeat_age_s, 1)} for p in waiting],
                ))
            time.sleep(config.wait_interval_ms / 1000)

    # --- status
    def _status(self, connection: Any, config: GuardConfig, fmt: str) -> None:
        try:
            plan = make_plan(MigrationExecutor(connection), config)
            live = processes.live_processes(connection, config.process_ttl_ms / 1000)
        except DatabaseError as exc:
            raise _read_failed(exc) from None
        contract = [s.key for s in plan.run_in("post")]
        waiting = processes.blockers(live or [], contract)
        versions: dict[str, list[processes.LiveProcess]] = {}
        for process in live or []:
            versions.setdefault(process.code, []).append(process)
        pending: dict[str, list[str]] = {
            phase: [label(s.key) for s in plan.run_in(phase)]  # type: ignore[arg-type]
            for phase in ("pre", "post", "refused")
        }
        status = {
            "registry": live is not None,
            "processes": {code: [f"{p.host}:{p.pid} {p.role}" for p in group]
                          for code, group in versions.items()},
            "pending": pending,
            "post_waits_for": [p.describe() for p in waiting],
        }
        if fmt == "json":
            self.stdout.write(json.dumps(status, indent=2))
            return
        lines = []
        if live is None:
            lines.append("process registry: not created yet (migrate_phase pre creates it)")
        elif not live:
            lines.append("live processes: none registered")
        for code, group in versions.items():
            lines.append(f"code {code}: {len(group)} process(es)")
            lines.extend(f"  {p.host} pid {p.pid} {p.role}" for p in group)
        for phase, keys in pending.items():
            if keys:
                lines.append(f"pending {phase}: {', '.join(keys)}")
        if waiting:
            lines.append("post would wait for:")
            lines.extend(f"  {p.describe()}" for p in waiting)
        self.stdout.write("\n".join(lines) or "nothing pending, nothing registered")

    # --- the ledger, and what it says about rolling back to this code
    def _history(self, connection: Any, fmt: str) -> None:
        try:
            rows = ledger.entries(connection)
        except DatabaseError as exc:
            raise _read_failed(exc) from None
        if fmt == "json":
            self.stdout.write(json.dumps([row.__dict__ for row in rows or []], indent=2))
        elif rows is None:
            self.stdout.write("no ledger yet: migrate_phase pre creates it")
        else:
            self.stdout.write("\n".join(
                f"{row.finished_at}  run {row.run} ({row.run_phase}, code {row.code})  "
                f"{row.app}.{row.name} [{row.judged}] {row.outcome} in {row.duration_ms} ms"
                + (f", {row.retries} retries" if row.retries else "")
                + (f": {row.error}" if row.error else "")
                for row in rows
            ) or "the ledger is empty")

    def _rollback_verdict(self, connection: Any) -> ledger.RollbackVerdict:
        executor = MigrationExecutor(connection)
        graph = executor.loader.graph
        known: set[Key] = set(graph.nodes)
        for squash, replaced in executor.loader.replacements.items():
            if squash in known:
                known.update(tuple(key) for key in replaced.replaces)
        return ledger.judge_rollback(executor.loader.applied_migrations, known, ledger.entries(connection))

    def _rollback_check(self, connection: Any) -> None:
        try:
            verdict = self._rollback_verdict(connection)
        except DatabaseError as exc:
            raise _read_failed(exc) from None
        if verdict.unknown:
            self._emit(json_line(
                "warning", message="applied outside migrate_phase (phase unknown), not known to this code: "
                + ", ".join(label(k) for k in verdict.unknown)))
        if verdict.refused:
            raise CommandError(_refused_rollback(verdict), returncode=REFUSED)
        newer = "every newer migration is an expand one" if verdict.expands else "it knows every migration"
        self._note(f"this code can run on the schema: {newer}")

    # --- wait
    def _wait(self, connection: Any, config: GuardConfig, timeout: float, interval: float) -> None:
        try:
            verdict = self._rollback_verdict(connection)
        except DatabaseError:
            verdict = None  # the loop below reports the database
        if verdict is not None and verdict.refused:
            # an older image after a rollback (or under Argo CD, which runs no rollback hooks): never ready
            raise CommandError(_refused_rollback(verdict), returncode=REFUSED)
        deadline = time.monotonic() + timeout
        cache: dict[Key, MigrationVerdict | None] = {}
        missing: list[str] = ["(database not reached yet)"]
        why: list[str] = []
        while True:
            try:
                executor = MigrationExecutor(connection)
                plan = make_plan(executor, config, cache)
                needed = plan.needed_before_rollout()
                missing = [label(s.key) for s in needed]
                # the pre Job refuses these: say why, not just that they are missing
                refused = [f"{label(s.key)}: {s.reason}" for s in needed if s.run_in == "refused"]
                why = [*plan.errors, *refused]
                if not missing:
                    self._note("every pre migration this code knows is applied")
                    return
            except DatabaseError as exc:
                missing, why = [f"(database error: {str(exc).strip().splitlines()[0]})"], []
                connection.close()
            if time.monotonic() + interval > deadline:
                hint = (
                    "`migrate_phase pre` refuses to run:\n" + "\n".join(why)
                    if why
                    else "Is the pre-migration Job running (`migrate_phase pre`)?"
                )
                raise CommandError(
                    f"migrate_phase wait: timed out after {timeout:g}s; not applied yet: "
                    f"{', '.join(missing)}. {hint}",
                    returncode=FAILED,
                )
            time.sleep(interval)

    # --- plan
    def _plan(self, connection: Any, config: GuardConfig, fmt: str) -> None:
        try:
            plan = make_plan(MigrationExecutor(connection), config)
        except DatabaseError as exc:
            raise _read_failed(exc) from None
        if fmt == "json":
            self.stdout.write(json.dumps(plan.as_dict(), indent=2))
            return
        text = _plan_text(plan)
        if plan.run_in("post"):
            try:
                live = processes.live_processes(connection, config.process_ttl_ms / 1000)
            except DatabaseError:
                live = []
            if not live:
                # post cannot tell whether old code still runs: say it before anyone relies on the wait
                text += ("\nnote: no process is registered, so post will not know whether old code still "
                         "runs (processes register when djhelm.runtime is in INSTALLED_APPS)")
        self.stdout.write(text)

    def _emit(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()

    def _note(self, message: str) -> None:
        self._emit(json_line("note", message=message))


def _read_failed(exc: DatabaseError) -> CommandError:
    """A read-only action (plan, status, history, rollback-check) could not read the database."""
    return CommandError(f"database error: {str(exc).strip()}", returncode=FAILED)


def _refused_rollback(verdict: ledger.RollbackVerdict) -> str:
    names = ", ".join(label(k) for k in verdict.contracts)
    return (
        f"this code cannot run on the database: contract migrations it does not know were applied ({names}); "
        "the columns or tables they removed are ones this code still uses. Nothing was changed. Roll forward "
        "to a release that has them (or fix forward), or restore the database from before they ran."
    )


def _plan_text(plan: Plan) -> str:
    if not plan.steps:
        return "No pending migrations."
    lines: list[str] = []
    for phase, title in (
        ("pre", "pre (expand, before the rollout)"),
        ("post", "post (contract, after it)"),
        ("refused", "refused (unsafe as written)"),
    ):
        steps = plan.run_in(phase)  # type: ignore[arg-type]
        if not steps:
            continue
        lines.append(f"{title}:")
        for step in steps:
            lines.append(f"  {label(step.key)}  [{step.phase}] {step.reason}")
            lines.extend(f"      {f.severity}: {f.message}" for f in step.findings)
    if plan.errors:
        lines.append("errors:")
        lines.extend(f"  {error}" for error in plan.errors)
    return "\n".join(lines)


def _database_failure(exc: DatabaseError, connection: Any, phase: str) -> str:
    """The message for a run that ended in a database error outside a migration (locking, planning).

    After a lost connection the error that surfaces is whatever the cleanup hit last ("the connection is
    closed", from releasing the advisory lock): the first error in the chain says what happened.
    """
    if not connection_lost(connection, exc):
        return f"database error: {str(exc).strip()}"
    first: BaseException = exc
    while isinstance(first.__context__, DatabaseError):
        first = first.__context__
    detail = (str(first).strip().splitlines() or [type(first).__name__])[0]
    return f"database error: {detail}\n{lost_connection_advice(phase)}"
