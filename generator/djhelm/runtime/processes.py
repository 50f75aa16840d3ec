"""Which code is running against the database: a registry of the app's long-running processes.

Every web worker, Celery worker or other long-running process with ``djhelm.runtime`` installed writes
one row to ``djhelm_process`` (host, pid, role, start, a heartbeat every few seconds, and the names of
the migrations its code ships, per app) and deletes it on a clean exit; a killed process stops beating
and expires after a TTL. ``migrate_phase post`` reads it: a contract migration waits until every live
process knows it, i.e. until the old code is gone, whatever deployed it (Helm 3 or 4, with or without
``--wait``, Argo CD, plain ``kubectl apply``), and without asking the Kubernetes API.

The table is created by ``migrate_phase pre``/``post`` (the migration role has DDL rights; the app's
role only reads and writes rows). Until it exists, processes retry quietly on every beat.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from djhelm import envnames

logger = logging.getLogger("djhelm.runtime.processes")

TABLE = "djhelm_process"
CREATE_TABLE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} ("
    "instance text PRIMARY KEY, host text NOT NULL, pid integer NOT NULL, parent_pid integer NOT NULL, "
    "role text NOT NULL, "
    "started_at timestamptz NOT NULL, heartbeat_at timestamptz NOT NULL, code text NOT NULL, "
    "known jsonb NOT NULL)"
)
_UPSERT = (
    f"INSERT INTO {TABLE} (instance, host, pid, parent_pid, role, started_at, heartbeat_at, code, known) "
    "VALUES (%s, %s, %s, %s, %s, to_timestamp(%s), now(), %s, %s::jsonb) "
    "ON CONFLICT (instance) DO UPDATE SET heartbeat_at = now()"
)
# Its own row, and those of the children it forked: pool children (Celery's prefork, billiard) end with
# os._exit() and run no exit handler of their own; they are gone by the time their parent exits.
_DELETE = f"DELETE FROM {TABLE} WHERE instance = %s OR (host = %s AND parent_pid = %s)"
# Servers and workers that keep running the app's code: they register on their own.
_LONG_RUNNING = ("gunicorn", "uvicorn", "celery", "daphne", "granian", "uwsgi", "hypercorn", "rq", "huey")
_LONG_RUNNING_COMMANDS = ("runserver", "rqworker", "run_huey", "celery", "qcluster", "process_tasks")
SETTING = envnames.PROCESS_REGISTRY  # environment: "auto" (default), "on" or "off"


@dataclass(frozen=True)
class LiveProcess:
    instance: str
    host: str
    pid: int
    role: str
    code: str
    heartbeat_age_s: float
    known: Mapping[str, frozenset[str]]

    def knows(self, key: tuple[str, str]) -> bool:
        return key[1] in self.known.get(key[0], frozenset())

    def describe(self) -> str:
        return (f"{self.host} pid {self.pid} ({self.role}, code {self.code}, "
                f"last heartbeat {self.heartbeat_age_s:.0f}s ago)")


def should_register(argv: Sequence[str], environ: Mapping[str, str]) -> bool:
    """Register long-running processes only: not every short `manage.py` command."""
    choice = environ.get(SETTING, "auto").strip().lower()
    if choice in ("on", "1", "true"):
        return True
    if choice in ("off", "0", "false"):
        return False
    path = argv[0] if argv else ""
    program = os.path.basename(path)
    # the console script (…/bin/gunicorn) or `python -m gunicorn` (…/gunicorn/__main__.py)
    if program in _LONG_RUNNING or any(f"/{name}/" in path for name in _LONG_RUNNING):
        return True
    return len(argv) > 1 and program in ("manage.py", "django-admin") and argv[1] in _LONG_RUNNING_COMMANDS


def known_migrations() -> dict[str, list[str]]:
    """app label -> the migration names this code ships (read from disk, nothing imported)."""
    import importlib.util

    from django.apps import apps
    from django.db.migrations.loader import MigrationLoader

    known: dict[str, list[str]] = {}
    for config in apps.get_app_configs():
        module_name, _ = MigrationLoader.migrations_module(config.label)
        if module_name is None:
            continue
        try:
            spec = importlib.util.find_spec(module_name)
        except (ImportError, ValueError):
            continue
        locations = list(spec.submodule_search_locations or []) if spec is not None else []
        names: set[str] = set()
        for location in locations:
            try:
                entries = os.listdir(location)
            except OSError:
                continue
            for entry in entries:
                stem, ext = os.path.splitext(entry)
                if ext == ".py" and not stem.startswith(("_", "~")):
                    names.add(stem)
        if names:
            known[config.label] = sorted(names)
    return known


def code_id(known: Mapping[str, Sequence[str]]) -> str:
    """A short name for one code version: the same migrations, the same id."""
    text = json.dumps({app: sorted(names) for app, names in sorted(known.items())}, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _role(argv: Sequence[str]) -> str:
    words = [os.path.basename(argv[0])] if argv else []
    words += [word for word in list(argv[1:3]) if not word.startswith("-")]
    return " ".join(words)[:100] or "python"


class Heartbeat:
    """The registration of this process, kept fresh by a daemon thread."""

    def __init__(self, alias: str, interval_s: float) -> None:
        self.alias = alias
        self.interval_s = interval_s
        self.known = known_migrations()
        self.code = code_id(self.known)
        self.role = _role(sys.argv)
        self._stop = threading.Event()
        # a beat in flight when the process exits would write the row back after stop() deleted it
        self._writing = threading.Lock()
        self._reset_identity()

    def _reset_identity(self) -> None:
        self.parent_pid = os.getppid()
        self.pid = os.getpid()
        self.host = socket.gethostname()
        self.started = time.time()
        self.instance = f"{self.host}:{self.pid}:{int(self.started * 1000)}"
        self._warned = False
        self._deregistered = False

    def start(self) -> None:
        self._stop.clear()
        thread = threading.Thread(target=self._run, name="djhelm-heartbeat", daemon=True)
        thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.beat()
            self._stop.wait(self.interval_s)

    def _execute(self, sql: str, params: Sequence[Any]) -> None:
        # A fresh connection per beat, closed at once: no socket is shared with a forked child, and no
        # connection of the app's pools is held.
        from django.db import connections

        wrapper = connections[self.alias]
        raw = wrapper.get_new_connection(wrapper.get_connection_params())
        try:
            raw.autocommit = True
            with raw.cursor() as cursor:
                cursor.execute(sql, params)
        finally:
            raw.close()

    def beat(self) -> None:
        with self._writing:
            if self._stop.is_set():
                return
            try:
                self._execute(_UPSERT, [self.instance, self.host, self.pid, self.parent_pid, self.role,
                                        self.started, self.code, json.dumps(self.known)])
            except Exception as error:  # the table may not exist yet, the database may be away: retry
                if not self._warned:
                    logger.warning("djhelm process registry: not registered yet (%s); retrying", error)
                    self._warned = True

    def stop(self) -> None:
        self._stop.set()
        if os.getpid() != self.pid or self._deregistered:
            return  # a forked child never deletes its parent's row
        self._deregistered = True
        # on a thread of its own: stop() may run in a signal handler inside an event loop, where Django
        # refuses to open connections
        worker = threading.Thread(target=self._delete, name="djhelm-deregister")
        worker.start()
        worker.join(timeout=10)

    def _delete(self) -> None:
        with self._writing:
            try:
                self._execute(_DELETE, [self.instance, self.host, self.pid])
            except Exception as error:
                logger.warning("djhelm process registry: could not deregister (%s); it expires", error)

    def after_fork_in_child(self) -> None:
        # the lock may have been held by the parent's beat thread at the fork: the child needs its own
        self._writing = threading.Lock()
        self._reset_identity()
        self.start()


_current: Heartbeat | None = None


def start(alias: str = "default") -> Heartbeat | None:
    """Register this process if it is a long-running one on PostgreSQL (called from AppConfig.ready)."""
    global _current
    if _current is not None or not should_register(sys.argv, os.environ):
        return _current
    from django.conf import settings
    from django.db import connections

    if alias not in settings.DATABASES or connections[alias].vendor != "postgresql":
        return None
    from djhelm.runtime.migration_settings import ConfigError, load_config

    try:
        config = load_config(getattr(settings, "DJHELM_MIGRATIONS", None))
    except ConfigError:
        return None  # migrate_phase reports the setting; the app keeps running
    heartbeat = Heartbeat(alias, config.heartbeat_interval_ms / 1000)
    heartbeat.start()
    atexit.register(heartbeat.stop)
    _deregister_on_sigterm(heartbeat)
    os.register_at_fork(after_in_child=heartbeat.after_fork_in_child)
    _current = heartbeat
    return heartbeat


def _deregister_on_sigterm(heartbeat: Heartbeat) -> None:
    """A process that ends by SIGTERM's default action runs no atexit handler (uvicorn re-raises the signal
    after its graceful shutdown, restoring the handler it found): deregister first, then do what the
    previous handler would have done. Servers that install their own handler and exit normally (gunicorn
    workers) deregister through atexit."""
    if threading.current_thread() is not threading.main_thread():
        return
    previous = signal.getsignal(signal.SIGTERM)

    def on_sigterm(signum: int, frame: Any) -> None:
        heartbeat.stop()
        if callable(previous):
            previous(signum, frame)
        elif previous != signal.SIG_IGN:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)

    signal.signal(signal.SIGTERM, on_sigterm)


def live_processes(connection: Any, ttl_s: float) -> list[LiveProcess] | None:
    """Processes that beat within the TTL; None when there is no registry table yet."""
    from djhelm.runtime.guards import table_exists

    with connection.cursor() as cursor:
        if not table_exists(cursor, TABLE):
            return None
        cursor.execute(
            f"SELECT instance, host, pid, role, code, EXTRACT(EPOCH FROM now() - heartbeat_at), known "
            f"FROM {TABLE} WHERE heartbeat_at > now() - make_interval(secs => %s) ORDER BY host, pid",
            [ttl_s],
        )
        rows = cursor.fetchall()
    result = []
    for instance, host, pid, role, code, age, known in rows:
        names = json.loads(known) if isinstance(known, str) else known
        result.append(LiveProcess(instance, host, int(pid), role, code, float(age),
                                  {app: frozenset(items) for app, items in names.items()}))
    return result


def blockers(processes: Sequence[LiveProcess], keys: Sequence[tuple[str, str]]) -> list[LiveProcess]:
    """The live processes whose code does not ship every one of ``keys``: old code, still running."""
    return [process for process in processes if not all(process.knows(key) for key in keys)]
