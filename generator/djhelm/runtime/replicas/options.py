"""Replica routing options for the router: settings.DJHELM_REPLICAS, or defaults derived from DATABASES."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from djhelm import envnames
from djhelm.runtime.db import PRIMARY_ALIAS, TUNING_ENV


@dataclass(frozen=True)
class ReplicaOptions:
    primary: str = PRIMARY_ALIAS
    weights: Mapping[str, int] = field(default_factory=dict)
    pin_seconds: float = TUNING_ENV[envnames.REPLICA_PIN_SECONDS][1]
    max_lag_seconds: float = TUNING_ENV[envnames.REPLICA_MAX_LAG_SECONDS][1]
    check_seconds: float = TUNING_ENV[envnames.REPLICA_CHECK_SECONDS][1]
    cooloff_seconds: float = TUNING_ENV[envnames.REPLICA_COOLOFF_SECONDS][1]
    cookie_name: str = "djhelm_pin"

    @property
    def aliases(self) -> frozenset[str]:
        """The primary and every replica alias: one copy of the same data."""
        return frozenset({self.primary, *self.weights})


def _mirrors(databases: Mapping[str, Mapping[str, Any]], primary: str) -> dict[str, int]:
    return {alias: 1 for alias, config in databases.items()
            if alias != primary and (config.get("TEST") or {}).get("MIRROR") == primary}


_cache: tuple[int, int, ReplicaOptions] | None = None


def load() -> ReplicaOptions:
    """Options from settings, validated once per settings object (override_settings gives a new one)."""
    global _cache
    raw = getattr(settings, "DJHELM_REPLICAS", None)
    databases = settings.DATABASES
    key = (id(raw), id(databases))
    if _cache is not None and _cache[:2] == key:
        return _cache[2]
    options = _build(raw, databases)
    _cache = (*key, options)
    return options


def _build(raw: Mapping[str, Any] | None, databases: Mapping[str, Mapping[str, Any]]) -> ReplicaOptions:
    values = dict(raw or {})
    values.pop("names", None)
    primary = str(values.get("primary", PRIMARY_ALIAS))
    if "weights" not in values:
        values["weights"] = _mirrors(databases, primary)
    known = set(ReplicaOptions.__dataclass_fields__)
    unknown = set(values) - known
    if unknown:
        raise ImproperlyConfigured(
            f"settings.DJHELM_REPLICAS: unknown key(s) {', '.join(sorted(unknown))}. "
            f"Fix: use only {', '.join(sorted(known))} "
            "(djhelm.runtime.db.replica_options_from_env builds it).")
    for alias in (primary, *values["weights"]):
        if alias not in databases:
            raise ImproperlyConfigured(
                f"settings.DJHELM_REPLICAS names database alias {alias!r}, which settings.DATABASES lacks. "
                "Fix: build both from the environment with djhelm.runtime.db (databases_from_env and "
                "replica_options_from_env).")
    return ReplicaOptions(**values)
