"""Database router: writes and transactions on the primary, reads spread over healthy replicas by weight.

settings.py:  DATABASE_ROUTERS = ["djhelm.runtime.replicas.router.ReplicaRouter"]  (djhelm's db.ROUTER; last,
after routers for other databases). Reads go to the primary when:
  - the primary's connection is inside transaction.atomic() (the read must see the transaction's writes),
  - this request already wrote, or the client wrote within pin_seconds (ReplicaPinningMiddleware's cookie),
  - the code runs inside replica_state.use_primary(),
  - no replica is healthy (unreachable, or lagging beyond max_lag_seconds) or every weight is 0.
Migrations run only on the primary: allow_migrate is False for every replica alias.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from django.db import DatabaseError, connections, transaction

from djhelm.runtime.replicas import fallback as replica_fallback
from djhelm.runtime.replicas import health as replica_health
from djhelm.runtime.replicas import state as replica_state
from djhelm.runtime.replicas.options import ReplicaOptions, load


def weighted_order(weights: Mapping[str, int], rng: random.Random) -> list[str]:
    """Replica aliases with weight > 0, in a random order where heavier replicas tend to come first."""
    remaining = {alias: weight for alias, weight in sorted(weights.items()) if weight > 0}
    if len(remaining) <= 1:
        return list(remaining)
    order: list[str] = []
    while remaining:
        aliases = list(remaining)
        chosen = rng.choices(aliases, weights=[remaining[a] for a in aliases])[0]
        order.append(chosen)
        del remaining[chosen]
    return order


def _alias_of(obj: Any) -> str | None:
    state = getattr(obj, "_state", None)
    db = getattr(state, "db", None)
    return str(db) if db is not None else None


class ReplicaRouter:
    def __init__(self, rng: random.Random | None = None,
                 health: replica_health.ReplicaHealth | None = None) -> None:
        self._rng = rng or random.Random()
        self._health = health or replica_health.health

    def db_for_read(self, model: type, **hints: Any) -> str:
        options = load()
        if not options.weights or self._primary_required(options):
            return options.primary
        for alias in weighted_order(options.weights, self._rng):
            if self._ready(alias, options):
                return alias
        return options.primary

    def db_for_write(self, model: type, **hints: Any) -> str:
        replica_state.note_write()
        return load().primary

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        aliases = load().aliases
        if _alias_of(obj1) in aliases and _alias_of(obj2) in aliases:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None,
                      **hints: Any) -> bool | None:
        options = load()
        if db in options.weights:
            return False
        return None

    def _primary_required(self, options: ReplicaOptions) -> bool:
        if replica_state.must_read_primary():
            return True
        return bool(transaction.get_connection(options.primary).in_atomic_block)

    def _ready(self, alias: str, options: ReplicaOptions) -> bool:
        usable = self._health.usable(alias, options.primary, max_lag_seconds=options.max_lag_seconds,
                                     check_seconds=options.check_seconds,
                                     cooloff_seconds=options.cooloff_seconds)
        if not usable:
            return False
        replica_fallback.install(alias)
        connection = connections[alias]
        if connection.connection is not None:
            return True
        # Connect now: a connect error raised later, inside the caller's query, could not be retried.
        try:
            connection.ensure_connection()
        except DatabaseError as exc:
            self._health.mark_down(alias, f"unreachable: {exc}".strip(), options.cooloff_seconds)
            return False
        return True
