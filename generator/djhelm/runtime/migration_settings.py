"""Settings of the migration guards: ``settings.DJHELM_MIGRATIONS``, overridden by ``DJHELM_*`` variables.

The environment wins: the chart sets it per release (values.yaml), settings.py is baked into the image.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from djhelm import envnames

_UNITS_MS = {"us": 0.001, "ms": 1, "s": 1000, "sec": 1000, "min": 60_000, "m": 60_000, "h": 3_600_000,
             "d": 86_400_000}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(us|ms|s|sec|min|m|h|d)?\s*$")


class ConfigError(ValueError):
    """A DJHELM_MIGRATIONS key or DJHELM_* variable that cannot be used; the text says which and the fix."""


def parse_duration_ms(value: object, where: str, bare_unit: str = "s") -> int:
    """'200ms', '5s', '15min', '1h' (PostgreSQL spellings) or a bare number of ``bare_unit`` -> milliseconds.

    Rounded to the nearest millisecond (half to even), as PostgreSQL rounds a timeout setting.
    """
    if isinstance(value, bool):
        raise ConfigError(f"{where}: expected a duration like '5s', got {value!r}")
    match = _DURATION.match(str(value))
    if not match:
        raise ConfigError(f"{where}: {value!r} is not a duration; write e.g. '200ms', '5s', '15min' or '1h'")
    return round(float(match.group(1)) * _UNITS_MS[match.group(2) or bare_unit])


def _default_ms(name: str) -> int:
    return parse_duration_ms(envnames.default_of(name), name, bare_unit="ms")


@dataclass(frozen=True)
class GuardConfig:
    # the chart's defaults for the same settings (djhelm.envnames declares them for both)
    lock_timeout_ms: int = _default_ms(envnames.LOCK_TIMEOUT)
    statement_timeout_ms: int = _default_ms(envnames.STATEMENT_TIMEOUT)
    lock_retries: int = 5
    retry_delay_ms: int = 1_000
    retry_max_delay_ms: int = 30_000
    advisory_lock_wait_ms: int = 5 * 60_000
    advisory_lock_key: int = 0x646A68656C6D  # "djhelm" as bytes; any bigint both Jobs agree on
    wait_interval_ms: int = 1_000
    third_party: str = "pre"
    # the process registry (djhelm.runtime.processes): how often a process beats, when a silent one is
    # taken for dead, and how long `migrate_phase post` waits for old code to go
    heartbeat_interval_ms: int = 5_000
    process_ttl_ms: int = 30_000
    post_wait_ms: int = 10 * 60_000
    # (app_label, migration name) -> "pre" | "post": the phase of a migration whose file cannot say it
    # (an installed package's), as djhelm_phase would on its Migration class.
    phases: Mapping[tuple[str, str], str] = field(default_factory=dict)


# key in DJHELM_MIGRATIONS -> (environment variable, dataclass field, kind)
# "pg_duration": a PostgreSQL setting, read as PostgreSQL reads it (a bare number is milliseconds). The chart
# writes the same string to PGOPTIONS and to DJHELM_*_TIMEOUT, so both must mean the same; our SET wins.
_KEYS: dict[str, tuple[str | None, str, str]] = {
    "LOCK_TIMEOUT": (envnames.LOCK_TIMEOUT, "lock_timeout_ms", "pg_duration"),
    "STATEMENT_TIMEOUT": (envnames.STATEMENT_TIMEOUT, "statement_timeout_ms", "pg_duration"),
    "LOCK_RETRIES": (envnames.LOCK_RETRIES, "lock_retries", "count"),
    "RETRY_DELAY": (envnames.RETRY_DELAY, "retry_delay_ms", "duration"),
    "RETRY_MAX_DELAY": (envnames.RETRY_MAX_DELAY, "retry_max_delay_ms", "duration"),
    "ADVISORY_LOCK_WAIT": (envnames.ADVISORY_LOCK_WAIT, "advisory_lock_wait_ms", "duration"),
    "ADVISORY_LOCK_KEY": (None, "advisory_lock_key", "int"),
    "WAIT_INTERVAL": (None, "wait_interval_ms", "duration"),
    "THIRD_PARTY": (envnames.THIRD_PARTY, "third_party", "third_party"),
    "PHASES": (None, "phases", "phases"),
    "HEARTBEAT": (envnames.HEARTBEAT, "heartbeat_interval_ms", "duration"),
    "PROCESS_TTL": (envnames.PROCESS_TTL, "process_ttl_ms", "duration"),
    "POST_WAIT": (envnames.POST_WAIT, "post_wait_ms", "duration"),
}


def _convert(kind: str, value: object, where: str) -> Any:
    if kind == "duration":
        return parse_duration_ms(value, where)
    if kind == "pg_duration":
        return parse_duration_ms(value, where, bare_unit="ms")
    if kind in {"count", "int"}:
        try:
            number = int(str(value))
        except ValueError:
            raise ConfigError(f"{where}: {value!r} is not a whole number") from None
        if kind == "count" and number < 0:
            raise ConfigError(f"{where}: must be 0 or more, got {number}")
        return number
    if kind == "phases":
        return _phases(value, where)
    choice = str(value).strip().lower()
    if choice not in {"pre", "judge"}:
        raise ConfigError(f"{where}: {value!r} is not one of 'pre' (trust third-party migrations) or 'judge'")
    return choice


def _phases(value: object, where: str) -> dict[tuple[str, str], str]:
    example = 'write e.g. {"taggit.0004_alter_taggeditem_content_type": "post"}'
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: expected a dict of 'app_label.migration_name' -> phase; {example}")
    phases: dict[tuple[str, str], str] = {}
    for name, phase in value.items():
        app_label, dot, migration = str(name).partition(".")
        if not dot or not app_label or not migration:
            raise ConfigError(f"{where}: {name!r} is not 'app_label.migration_name'; {example}")
        if phase not in ("pre", "post"):
            raise ConfigError(f"{where}[{name!r}]: {phase!r} is not 'pre' or 'post'")
        phases[(app_label, migration)] = str(phase)
    return phases


def load_config(
    settings_value: Mapping[str, object] | None, environ: Mapping[str, str] | None = None
) -> GuardConfig:
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    if settings_value is not None and not isinstance(settings_value, Mapping):
        kind = type(settings_value).__name__
        raise ConfigError(f"settings.DJHELM_MIGRATIONS: expected a dict, got {kind}; "
                          'write e.g. DJHELM_MIGRATIONS = {"LOCK_TIMEOUT": "5s"}')
    for key, value in (settings_value or {}).items():
        if key not in _KEYS:
            known = ", ".join(sorted(_KEYS))
            raise ConfigError(f"settings.DJHELM_MIGRATIONS[{key!r}]: unknown key; known keys: {known}")
        _env, field_name, kind = _KEYS[key]
        values[field_name] = _convert(kind, value, f"settings.DJHELM_MIGRATIONS[{key!r}]")
    for _key, (env_name, field_name, kind) in _KEYS.items():
        if env_name and environ.get(env_name, "").strip():
            values[field_name] = _convert(kind, environ[env_name], f"environment variable {env_name}")
    return GuardConfig(**values)
