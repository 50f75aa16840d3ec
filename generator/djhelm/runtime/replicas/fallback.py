"""Retry a replica read on the primary when the replica fails mid-request, so no error reaches the user.

Installed as an execute wrapper on each replica connection (the router adds it before returning a replica
alias). When a query raises OperationalError, the same SQL runs on the primary and the caller's cursor
wrapper is pointed at the primary's cursor, so the rows it fetches next come from the primary. A replica
whose connection broke is closed and skipped for the cool-off period; one that failed a single statement
(e.g. "canceling statement due to conflict with recovery") stays in rotation.

Not retried: statement timeouts and cancellations (SQLSTATE 57014: the primary would only repeat the slow
query), queries inside a transaction opened on the replica, and the health probe's own queries.
Connection failures happen before any query and are handled by the router (it connects before routing).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import OperationalError, connections

from djhelm.runtime import metrics
from djhelm.runtime.replicas import health as replica_health
from djhelm.runtime.replicas.options import load

logger = logging.getLogger("djhelm.replicas")

_QUERY_CANCELED = "57014"


def _sqlstate(exc: BaseException) -> str | None:
    cause = exc.__cause__
    code = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    return str(code) if code else None


class PrimaryFallback:
    """Execute wrapper for replica connections (one shared instance; it keeps no per-call state)."""

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool,
                 context: dict[str, Any]) -> Any:
        try:
            return execute(sql, params, many, context)
        except OperationalError as exc:
            replica = context["connection"]
            if replica_health.probing() or replica.in_atomic_block or _sqlstate(exc) == _QUERY_CANCELED:
                raise
            return self._retry_on_primary(exc, sql, params, many, context)

    def _retry_on_primary(self, exc: OperationalError, sql: str, params: Any, many: bool,
                          context: dict[str, Any]) -> Any:
        options = load()
        replica = context["connection"]
        metrics.count_fallback(replica.alias)
        if replica.connection is None or not replica.is_usable():
            replica_health.close_if_broken(replica.alias)
            replica_health.health.mark_down(replica.alias, f"query failed: {exc}".strip(),
                                            options.cooloff_seconds)
        else:
            logger.warning("replica %s failed a read (%s); retried on the primary", replica.alias, exc)
        primary_cursor = connections[options.primary].cursor()
        result = primary_cursor.executemany(sql, params) if many else primary_cursor.execute(sql, params)
        # the caller keeps using its own CursorWrapper; from now on it reads the primary's cursor
        context["cursor"].cursor = primary_cursor.cursor
        return result


fallback = PrimaryFallback()


def install(alias: str) -> None:
    """Add the fallback wrapper to this thread's connection for ``alias`` (once)."""
    wrappers = connections[alias].execute_wrappers
    if fallback not in wrappers:
        wrappers.append(fallback)
