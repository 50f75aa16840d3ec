"""Who waits on which lock, sampled every 100 ms from pg_locks and pg_stat_activity while the play runs:
each wait with its statement, the mode it wants and who holds it; and the lock modes the migration sessions
(PGAPPNAME djhelm-rehearse-job:...) take."""

from __future__ import annotations

import threading
import time
from typing import Any

from djhelm.rehearse.jobs import APPLICATION_NAME
from djhelm.rehearse.record import LockWait, Recorder

INTERVAL_SECONDS = 0.1

_WAITS = """
SELECT a.pid, coalesce(a.application_name, ''), left(a.query, 300), l.mode,
       coalesce(l.relation::regclass::text, l.locktype),
       coalesce((SELECT string_agg(DISTINCT coalesce(nullif(b.application_name, ''), 'pid ' || b.pid), ', ')
                 FROM pg_stat_activity b WHERE b.pid = ANY(pg_blocking_pids(a.pid))), '')
FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid AND NOT l.granted
WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()
"""
_TAKEN = """
SELECT DISTINCT a.application_name, l.mode, coalesce(l.relation::regclass::text, l.locktype)
FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.granted AND l.locktype = 'relation' AND a.application_name LIKE %s
  AND coalesce(l.relation::regclass::text, '') NOT LIKE 'pg\\_%%'
"""


class LockSampler:
    def __init__(self, database_url: str, recorder: Recorder) -> None:
        self._url = database_url
        self._recorder = recorder
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lock-sampler", daemon=True)
        self._open: dict[tuple[int, str, str, str], dict[str, Any]] = {}
        self.error = ""

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self._close_all(set())

    def _run(self) -> None:
        try:
            import psycopg
        except ImportError:
            self.error = (
                "psycopg is not installed beside djhelm: no lock sampling (pip install 'djhelm[rehearse]')"
            )
            return
        try:
            with psycopg.connect(
                self._url, autocommit=True, application_name="djhelm-rehearse-sampler"
            ) as conn:
                while not self._stop.is_set():
                    self._sample(conn)
                    self._stop.wait(INTERVAL_SECONDS)
        except psycopg.Error as error:
            self.error = f"lock sampling stopped: {str(error).strip().splitlines()[0]}"

    def _sample(self, conn: Any) -> None:
        now = self._recorder.now()
        seen: set[tuple[int, str, str, str]] = set()
        for pid, app, query, mode, relation, blockers in conn.execute(_WAITS).fetchall():
            if str(app).startswith(APPLICATION_NAME):
                # a migration's lock is often held for milliseconds once granted: between two samples; the
                # wait for it is what the sampler sees, and the mode it asked for is the mode it takes
                self._recorder.lock_taken(
                    str(app).removeprefix(f"{APPLICATION_NAME}:"), f"{mode} on {relation}"
                )
            key = (int(pid), str(query), str(mode), str(relation))
            seen.add(key)
            entry = self._open.setdefault(
                key, {"first": now, "blockers": str(blockers), "phase": self._recorder.phase}
            )
            entry["last"] = now
            if blockers:
                entry["blockers"] = str(blockers)
        self._close_all(seen)
        for session, mode, relation in conn.execute(_TAKEN, (f"{APPLICATION_NAME}%",)).fetchall():
            self._recorder.lock_taken(
                str(session).removeprefix(f"{APPLICATION_NAME}:"), f"{mode} on {relation}"
            )

    def _close_all(self, still: set[tuple[int, str, str, str]]) -> None:
        for key in [k for k in self._open if k not in still]:
            entry = self._open.pop(key)
            pid, query, mode, relation = key
            self._recorder.lock_wait(
                LockWait(
                    pid,
                    query,
                    mode,
                    relation,
                    entry["blockers"],
                    entry["first"],
                    entry.get("last", entry["first"]),
                    entry["phase"],
                )
            )


class LongTransaction:
    """A session that reads ``table`` inside a transaction and keeps it open for ``seconds``, as a report
    query or a forgotten `BEGIN` in a shell would: its ACCESS SHARE lock makes any ALTER TABLE wait, and
    everything queued behind the ALTER with it, unless the migration's lock_timeout gives up first."""

    def __init__(self, database_url: str, table: str, seconds: float, recorder: Recorder) -> None:
        self._url = database_url
        self._table = table
        self._seconds = seconds
        self._recorder = recorder
        self._thread = threading.Thread(target=self._run, name="long-transaction", daemon=True)
        self.error = ""

    def start(self) -> None:
        self._thread.start()

    def join(self) -> None:
        self._thread.join(timeout=self._seconds + 30)

    def _run(self) -> None:
        try:
            import psycopg
            from psycopg import sql
        except ImportError:
            self.error = "psycopg is not installed beside djhelm: --long-transaction needs it"
            return
        try:
            with psycopg.connect(self._url, application_name="djhelm-rehearse:long-transaction") as conn:
                conn.execute(
                    sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(*self._table.split(".")))
                )
                self._recorder.event(
                    f"a transaction holds ACCESS SHARE on {self._table} for {self._seconds:.0f}s"
                )
                time.sleep(self._seconds)
                conn.rollback()
            self._recorder.event(f"the long transaction on {self._table} ended")
        except psycopg.Error as error:
            self.error = f"--long-transaction {self._table}: {str(error).strip().splitlines()[0]}"
