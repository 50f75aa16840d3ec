"""Which environment variables hold secrets, and which ones the chart sets itself."""

from __future__ import annotations

import re

# By name: values of these end up in a Secret reference, never in the ConfigMap. Kept a superset of the
# config checker's list (djhelm.config.checks), so whatever init writes under `env` passes `djhelm render`.
_SECRET_NAME = re.compile(
    r"^(SECRET_KEY|DJANGO_SECRET_KEY|SECRET|TOKEN"
    r"|\w*_URL_SECRET|\w*PASSWORD|\w*PASSWD|\w*_PASS|\w*_TOKEN|\w*_SECRET|\w*_SECRET_KEY|\w*_KEY|\w*_API_KEY"
    r"|\w*_PRIVATE_KEY|\w*_ACCESS_KEY|\w*_KEY_ID|\w*_CREDENTIALS|\w*_DSN|\w*_SALT"
    r"|DATABASE_\w*URL|\w*DB_URL|REDIS_\w*URL|\w*BROKER_URL|\w*RESULT_BACKEND|CACHE_URL|EMAIL_URL|SEARCH_URL"
    r"|AMQP_URL|RABBITMQ_URL|MONGO\w*_URL|ELASTICSEARCH_URL|SENTRY_\w+|PASS)$",
    re.IGNORECASE,
)
_URL_WITH_PASSWORD = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/@\s:]*:[^/@\s]+@")
# Set by the chart in every Django container; a second definition would shadow or be shadowed.
_CHART_OWNED = re.compile(
    r"^(DATABASE_URL|DATABASE_MIGRATION_URL|DATABASE_REPLICA_URLS|DATABASE_REPLICA_WEIGHTS|DATABASE_REPLICA_URL_\w+"
    r"|DJANGO_SETTINGS_MODULE|PGOPTIONS|DJHELM_\w+)$"
)


def is_secret(name: str, default: str | None = None) -> bool:
    return bool(_SECRET_NAME.match(name)) or bool(default and _URL_WITH_PASSWORD.search(default))


def is_chart_owned(name: str) -> bool:
    return bool(_CHART_OWNED.match(name))


def secret_key_name(variable: str) -> str:
    """The key inside the Secret: ``SECRET_KEY`` -> ``secret-key`` (kubectl's usual spelling)."""
    return re.sub(r"[^a-z0-9.]+", "-", variable.lower()).strip("-") or "value"
