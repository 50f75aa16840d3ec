"""Build DATABASES (primary + read replicas) and the replica routing options from environment variables.

The chart gives web and worker pods:
  DATABASE_URL               the primary (alias ``default``)
  DATABASE_REPLICA_URLS      comma-separated replica URLs (aliases ``replica_1``, ``replica_2``, ... in order)
  DATABASE_REPLICA_WEIGHTS   optional; ``replica1=1,replica2=3`` (names in the same order as the URLs)
                             or positional ``1,3``; weight 0 keeps a replica configured but sends it no reads
Tuning (all optional, seconds): DJHELM_REPLICA_PIN_SECONDS, DJHELM_REPLICA_MAX_LAG_SECONDS,
DJHELM_REPLICA_CHECK_SECONDS, DJHELM_REPLICA_COOLOFF_SECONDS.

Imports only Django, the standard library and dj-database-url: this module runs inside the user's image.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured

from djhelm import envnames

PRIMARY_ALIAS = "default"
ROUTER = "djhelm.runtime.replicas.router.ReplicaRouter"
MIDDLEWARE = "djhelm.runtime.replicas.middleware.ReplicaPinningMiddleware"

URL_ENV = envnames.DATABASE_URL
REPLICA_URLS_ENV = envnames.DATABASE_REPLICA_URLS
REPLICA_WEIGHTS_ENV = envnames.DATABASE_REPLICA_WEIGHTS

# env var -> (key in DJHELM_REPLICAS, default seconds)
TUNING_ENV: dict[str, tuple[str, float]] = {
    envnames.REPLICA_PIN_SECONDS: ("pin_seconds", 5.0),
    envnames.REPLICA_MAX_LAG_SECONDS: ("max_lag_seconds", 10.0),
    envnames.REPLICA_CHECK_SECONDS: ("check_seconds", 5.0),
    envnames.REPLICA_COOLOFF_SECONDS: ("cooloff_seconds", 15.0),
}

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_POSTGRES_ENGINES = ("django.db.backends.postgresql", "django.contrib.gis.db.backends.postgis")


def replica_alias(index: int) -> str:
    """Alias of the index-th replica (1-based), in DATABASE_REPLICA_URLS order."""
    return f"replica_{index}"


def redact(url: str) -> str:
    """The URL with its password replaced, safe to put in an error message."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = netloc[0].split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[1]}"))


def _parse_url(url: str, env: str, where: str, **kwargs: Any) -> dict[str, Any]:
    import dj_database_url

    fix = (f"set {env} to a URL such as postgres://USER:PASSWORD@HOST:5432/DBNAME "
           "(percent-encode special characters)")
    try:
        config: dict[str, Any] = dict(dj_database_url.parse(url, **kwargs))
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"{env}: {where} {redact(url)!r} is not a database URL ({exc}). Fix: {fix}.") from None
    if not config.get("ENGINE") or not config.get("NAME"):
        raise ImproperlyConfigured(f"{env}: {where} {redact(url)!r} names no database. Fix: {fix}.")
    return config


def _split_urls(raw: str) -> list[str]:
    if not raw.strip():
        return []
    urls = [item.strip() for item in raw.split(",")]
    for position, url in enumerate(urls, start=1):
        if not url:
            raise ImproperlyConfigured(
                f"{REPLICA_URLS_ENV}: entry {position} is empty. Fix: separate replica URLs with single "
                "commas and no trailing comma (percent-encode commas inside a URL as %2C).")
    return urls


def parse_weights(raw: str, count: int) -> tuple[list[str], list[int]]:
    """Parse DATABASE_REPLICA_WEIGHTS for ``count`` replica URLs; returns (names, weights) in URL order.

    Empty means every replica has weight 1 and is named after its alias.
    """
    default_names = [replica_alias(i) for i in range(1, count + 1)]
    if not raw.strip():
        return default_names, [1] * count
    items = [item.strip() for item in raw.split(",")]
    example = ",".join(f"replica{i}={1}" for i in range(1, count + 1)) or "replica1=1"
    fix = f"Fix: give one weight per URL in {REPLICA_URLS_ENV}, in the same order, e.g. {example!r}."
    if len(items) != count:
        raise ImproperlyConfigured(
            f"{REPLICA_WEIGHTS_ENV}: {len(items)} weight(s) for {count} replica URL(s) "
            f"in {REPLICA_URLS_ENV}. {fix}")
    named = ["=" in item for item in items]
    if any(named) and not all(named):
        raise ImproperlyConfigured(
            f"{REPLICA_WEIGHTS_ENV}: mixes name=weight and bare weights. {fix}")
    names: list[str] = []
    weights: list[int] = []
    for position, item in enumerate(items, start=1):
        name, _, value = item.rpartition("=")
        name = name.strip()
        if named[0] and not _NAME.match(name):
            raise ImproperlyConfigured(
                f"{REPLICA_WEIGHTS_ENV}: entry {position} {item!r} has no valid replica name. {fix}")
        try:
            weight = int(value.strip())
        except ValueError:
            weight = -1
        if weight < 0:
            raise ImproperlyConfigured(
                f"{REPLICA_WEIGHTS_ENV}: entry {position} {item!r} needs a whole number >= 0 as its weight. "
                f"{fix}")
        names.append(name if named[0] else default_names[position - 1])
        weights.append(weight)
    if len(set(names)) != len(names):
        raise ImproperlyConfigured(f"{REPLICA_WEIGHTS_ENV}: replica names repeat in {raw!r}. {fix}")
    return names, weights


def databases_from_env(
    environ: Mapping[str, str] | None = None,
    *,
    default_url: str | None = None,
    conn_max_age: int | None = 0,
    conn_health_checks: bool = True,
    replica_connect_timeout: int = 2,
) -> dict[str, dict[str, Any]]:
    """DATABASES for settings.py: ``default`` from DATABASE_URL plus one ``replica_N`` per replica URL.

    Replicas are test mirrors of ``default`` (Django's test runner creates no database for them) and get
    ``connect_timeout`` (PostgreSQL) unless their URL sets one, so an unreachable replica costs at most that
    many seconds before reads fall back to the primary.
    """
    env = os.environ if environ is None else environ
    url = env.get(URL_ENV, "").strip() or (default_url or "")
    if not url:
        raise ImproperlyConfigured(
            f"{URL_ENV} is not set. Fix: set it to the primary's URL, "
            "e.g. postgres://USER:PASSWORD@HOST:5432/DBNAME (the chart sets it from database.url).")
    options = {"conn_max_age": conn_max_age, "conn_health_checks": conn_health_checks}
    primary = _parse_url(url, URL_ENV, "value", **options)
    databases: dict[str, dict[str, Any]] = {PRIMARY_ALIAS: primary}
    for position, replica_url in enumerate(_split_urls(env.get(REPLICA_URLS_ENV, "")), start=1):
        replica = _parse_url(replica_url, REPLICA_URLS_ENV, f"entry {position}", **options)
        if replica["ENGINE"] != primary["ENGINE"]:
            raise ImproperlyConfigured(
                f"{REPLICA_URLS_ENV}: entry {position} {redact(replica_url)!r} uses {replica['ENGINE']}, "
                f"the primary ({URL_ENV}) uses {primary['ENGINE']}. "
                "Fix: replicas must be copies of the primary; use the same URL scheme.")
        if replica["ENGINE"] in _POSTGRES_ENGINES and replica_connect_timeout > 0:
            replica["OPTIONS"] = {"connect_timeout": replica_connect_timeout, **replica.get("OPTIONS", {})}
        replica["TEST"] = {"MIRROR": PRIMARY_ALIAS}
        databases[replica_alias(position)] = replica
    return databases


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if value < 0 or value != value or value == float("inf"):
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not a number of seconds. Fix: set it to e.g. {default:g}.")
    return value


def replica_options_from_env(environ: Mapping[str, str] | None = None, **overrides: Any) -> dict[str, Any]:
    """DJHELM_REPLICAS for settings.py: weights per replica alias plus the pinning and health timings.

    Keyword arguments (pin_seconds=..., max_lag_seconds=..., check_seconds=..., cooloff_seconds=...) override
    both the environment and the defaults.
    """
    env = os.environ if environ is None else environ
    count = len(_split_urls(env.get(REPLICA_URLS_ENV, "")))
    names, weights = parse_weights(env.get(REPLICA_WEIGHTS_ENV, ""), count)
    aliases = [replica_alias(i) for i in range(1, count + 1)]
    options: dict[str, Any] = {
        "primary": PRIMARY_ALIAS,
        "weights": dict(zip(aliases, weights, strict=True)),
        "names": dict(zip(aliases, names, strict=True)),
    }
    for env_name, (key, default) in TUNING_ENV.items():
        options[key] = _seconds(env, env_name, default)
    unknown = set(overrides) - {key for key, _ in TUNING_ENV.values()}
    if unknown:
        raise TypeError(f"replica_options_from_env() got unknown options: {', '.join(sorted(unknown))}")
    options.update(overrides)
    return options
