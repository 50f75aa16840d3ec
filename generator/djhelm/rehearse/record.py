"""Everything a rehearsal observes, time-stamped from its start: request and ORM samples, pod and phase
events, migration runs, lock waits. Thread-safe; the report reads it once the play is over."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Sample:
    """One request or ORM operation."""

    at: float  # seconds since the start
    phase: str
    release: str  # "from" | "to": whose code answered
    kind: str  # "http" | "orm"
    target: str  # URL path, or "read catalog.Product"
    ok: bool
    ms: float
    error: str = ""  # first line of what went wrong
    status: int = 0  # the HTTP status; 0 when there was no response


@dataclass(frozen=True)
class Event:
    at: float
    phase: str
    text: str
    pod_change: bool = False


@dataclass(frozen=True)
class MigrationRun:
    job: str
    phase: str  # the rehearsal phase it ran in
    command: str
    ok: bool
    seconds: float
    migrations: list[tuple[str, float]]  # (app.name, seconds), in the order applied
    retries: int  # lock-timeout retries inside the command (migrate_phase)
    output_tail: str
    attempts: int = 1  # pods the Job ran (backoffLimit retries)


@dataclass(frozen=True)
class LockWait:
    pid: int
    query: str
    mode: str  # the lock mode it waits for
    relation: str
    blocked_by: str  # application_name of the blocker(s)
    first_seen: float
    last_seen: float
    phase: str

    @property
    def seconds(self) -> float:
        return self.last_seen - self.first_seen


@dataclass
class Recorder:
    started: float = field(default_factory=time.monotonic)
    phase: str = "setup"
    samples: list[Sample] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    migrations: list[MigrationRun] = field(default_factory=list)
    lock_waits: list[LockWait] = field(default_factory=list)
    locks_taken: dict[str, set[str]] = field(default_factory=dict)  # migration session -> lock modes
    phases: list[tuple[str, float, float]] = field(default_factory=list)  # (phase, start, end)
    # the last line of each traceback the servers logged, by release: why a request got a 500
    server_errors: dict[tuple[str, str], int] = field(default_factory=dict)
    # failed statements from the database's own log: (release, "error | statement") -> count
    database_errors: dict[tuple[str, str], int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def now(self) -> float:
        return time.monotonic() - self.started

    def enter(self, phase: str) -> None:
        with self._lock:
            at = self.now()
            if self.phases:
                name, start, _ = self.phases[-1]
                self.phases[-1] = (name, start, at)
            self.phases.append((phase, at, at))
            self.phase = phase
        self.event(f"phase {phase}")

    def finish(self) -> None:
        with self._lock:
            if self.phases:
                name, start, _ = self.phases[-1]
                self.phases[-1] = (name, start, self.now())

    def sample(
        self,
        release: str,
        kind: str,
        target: str,
        ok: bool,
        ms: float,
        error: str = "",
        phase: str | None = None,
        status: int = 0,
    ) -> None:
        with self._lock:
            self.samples.append(
                Sample(self.now(), phase or self.phase, release, kind, target, ok, ms, error, status)
            )

    def event(self, text: str, pod_change: bool = False) -> None:
        with self._lock:
            self.events.append(Event(self.now(), self.phase, text, pod_change))

    def migration(self, run: MigrationRun) -> None:
        with self._lock:
            self.migrations.append(run)

    def lock_wait(self, wait: LockWait) -> None:
        with self._lock:
            self.lock_waits.append(wait)

    def server_error(self, release: str, line: str) -> None:
        with self._lock:
            self.server_errors[(release, line)] = self.server_errors.get((release, line), 0) + 1

    def database_error(self, release: str, error: str, statement: str) -> None:
        key = (release, f"{error} | {statement}")
        with self._lock:
            self.database_errors[key] = self.database_errors.get(key, 0) + 1

    def lock_taken(self, session: str, mode: str) -> None:
        with self._lock:
            self.locks_taken.setdefault(session, set()).add(mode)
