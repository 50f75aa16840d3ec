"""Per-process health of each replica: reachable, and not lagging behind the primary beyond a threshold.

How lag is measured (PostgreSQL): ``now() - pg_last_xact_replay_timestamp()`` alone is wrong on an idle
primary, where the last replayed commit is old although nothing is missing. So the primary's
``pg_current_wal_insert_lsn()`` is sampled first; if the replica has replayed at least that far, it has every
commit the primary had made at that moment and its lag is 0. When it is behind, the true lag (age of the
oldest commit it has not applied) has two upper bounds, and the smaller one is used: the age of the newest
commit it has applied (``pg_last_xact_replay_timestamp()``; large after an idle period), and the time since
an earlier check found it caught up (everything missing was committed after that check). So an idle primary
never makes a replica look late, and a replica whose replay stalls is caught within max_lag + check_seconds.
A replica that is reachable but cannot report replay progress (some managed flavours) is used unchecked,
with a warning in the log. When the primary cannot be asked,
``pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()`` counts as caught up (a replica whose WAL receiver
is disconnected can look current this way; the primary sample is the normal path).

A replica that cannot be reached, or lags too far, is skipped for ``cooloff_seconds``; a healthy one is
re-checked at most every ``check_seconds``. The state is per process and thread-safe; the probe itself runs on
the calling thread's own connections. While one thread probes a replica whose check is due, the other threads
read from the primary instead of trusting the previous, expired result: otherwise a replica that fell behind
keeps serving every concurrent request for as long as the probe takes, past the documented bound.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import DatabaseError, NotSupportedError, ProgrammingError, connections

from djhelm.runtime import metrics

logger = logging.getLogger("djhelm.replicas")

_probing: ContextVar[bool] = ContextVar("djhelm_replica_probing", default=False)

_REPLICA_SQL = """
SELECT pg_is_in_recovery(),
       %s::text IS NOT NULL AND pg_last_wal_replay_lsn() >= %s::pg_lsn,
       pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn(),
       EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8
"""


def probing() -> bool:
    """True while a health probe runs on this context; the fallback wrapper must not retry its queries."""
    return _probing.get()


@contextmanager
def _probe() -> Iterator[None]:
    token = _probing.set(True)
    try:
        yield
    finally:
        _probing.reset(token)


def measure_lag(alias: str, primary: str) -> float:
    """Seconds ``alias`` lags behind ``primary`` (0 when caught up); raises DatabaseError when unreachable."""
    try:
        return _measure_lag(alias, primary)
    except DatabaseError:
        close_if_broken(alias)
        raise


def _measure_lag(alias: str, primary: str) -> float:
    replica = connections[alias]
    with _probe():
        replica.ensure_connection()
        if replica.vendor != "postgresql":
            return 0.0
        primary_lsn: str | None = None
        try:
            with connections[primary].cursor() as cursor:
                cursor.execute("SELECT pg_current_wal_insert_lsn()::text")
                primary_lsn = cursor.fetchone()[0]
        except DatabaseError as exc:
            logger.info("replica check: primary %s did not report its WAL position (%s)", primary, exc)
        try:
            with replica.cursor() as cursor:
                cursor.execute(_REPLICA_SQL, [primary_lsn, primary_lsn])
                in_recovery, has_primary_lsn, received_all_replayed, age = cursor.fetchone()
        except (ProgrammingError, NotSupportedError) as exc:
            # reachable, but this server cannot report replay progress (some managed PostgreSQL flavours):
            # keep it in rotation on reachability alone rather than silently never using it
            logger.warning("replica %s cannot report its replication lag (%s); lag is not checked",
                           alias, exc)
            return 0.0
    if not in_recovery or has_primary_lsn:
        return 0.0
    if primary_lsn is None and received_all_replayed:
        return 0.0
    return math.inf if age is None else max(0.0, float(age))


def close_if_broken(alias: str) -> None:
    """Drop this thread's connection to ``alias`` if it died, so the next use reconnects."""
    connection = connections[alias]
    if connection.connection is None or connection.in_atomic_block or connection.is_usable():
        return
    with suppress(DatabaseError):
        connection.close()


@dataclass
class _State:
    checked_at: float = -math.inf
    caught_up_at: float = -math.inf
    down_until: float = -math.inf
    reason: str = ""
    probing: bool = False


class ReplicaHealth:
    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 measure: Callable[[str, str], float] = measure_lag) -> None:
        self._clock = clock
        self._measure = measure
        self._lock = threading.Lock()
        self._states: dict[str, _State] = {}

    def usable(self, alias: str, primary: str, *, max_lag_seconds: float, check_seconds: float,
               cooloff_seconds: float) -> bool:
        now = self._clock()
        with self._lock:
            state = self._states.setdefault(alias, _State())
            if now < state.down_until:
                return False
            if state.probing:
                # the last result has expired and the new one is not in yet: no thread may assume it holds
                return False
            if now - state.checked_at < check_seconds:
                return True
            # claimed under the lock so concurrent threads do not all probe at once
            state.checked_at = now
            state.probing = True
        reason, kind = "", "unreachable"
        try:
            lag = self._measure(alias, primary)
        except DatabaseError as exc:
            reason = f"unreachable: {exc}".strip()
        except BaseException:
            with self._lock:
                state.probing = False
            raise
        with self._lock:
            if not reason:
                if lag <= 0:
                    state.caught_up_at = now
                else:
                    lag = min(lag, self._clock() - state.caught_up_at)
                if lag > max_lag_seconds:
                    kind = "lag"
                    reason = f"lags {lag:.1f}s behind the primary (limit {max_lag_seconds:g}s)"
            if reason:
                # marked down before the probe flag drops, so no thread sees the expired result as current
                self._down(state, reason, cooloff_seconds)
            state.probing = False
        if reason:
            self._log_down(alias, reason, kind, cooloff_seconds)
            return False
        return True

    def mark_down(self, alias: str, reason: str, cooloff_seconds: float) -> None:
        with self._lock:
            self._down(self._states.setdefault(alias, _State()), reason, cooloff_seconds)
        self._log_down(alias, reason, "failed", cooloff_seconds)

    def _down(self, state: _State, reason: str, cooloff_seconds: float) -> None:
        state.down_until = self._clock() + cooloff_seconds
        state.checked_at = -math.inf   # check again as soon as the cool-off ends
        state.reason = reason

    @staticmethod
    def _log_down(alias: str, reason: str, kind: str, cooloff_seconds: float) -> None:
        metrics.count_skip(alias, kind)
        logger.warning("replica %s skipped for %gs: %s; reads use the primary",
                       alias, cooloff_seconds, reason)

    def status(self) -> dict[str, str]:
        """Alias -> "ok" or why it is skipped (for health endpoints and logs)."""
        now = self._clock()
        with self._lock:
            return {alias: (state.reason if now < state.down_until else "ok")
                    for alias, state in sorted(self._states.items())}

    def reset(self) -> None:
        with self._lock:
            self._states.clear()


health = ReplicaHealth()
