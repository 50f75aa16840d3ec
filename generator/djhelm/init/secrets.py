"""Which environment variables hold secrets, and which ones the chart sets itself."""

from __future__ import annotations

import re

from djhelm.config.checks import is_chart_owned
from djhelm.credentials import credential_in, is_secret_name

__all__ = ["is_chart_owned", "is_secret", "secret_key_name"]

# Names render would reject as literal env values, plus names init treats as secrets only to be safe
# (`*_KEY`, broker and cache URLs, ...): whatever init writes under `env` therefore passes `djhelm render`.
_LIKELY_SECRET_NAME = re.compile(
    r"^(SECRET|\w*_URL_SECRET|\w*_KEY|\w*_KEY_ID|\w*_SALT"
    r"|\w*DB_URL|REDIS_\w*URL|\w*BROKER_URL|\w*RESULT_BACKEND|CACHE_URL|EMAIL_URL|SEARCH_URL"
    r"|AMQP_URL|RABBITMQ_URL|MONGO\w*_URL|ELASTICSEARCH_URL|SENTRY_\w+)$",
    re.IGNORECASE,
)


def is_secret(name: str, default: str | None = None) -> bool:
    return (
        is_secret_name(name)
        or bool(_LIKELY_SECRET_NAME.match(name))
        or bool(default and credential_in(default))
    )


def secret_key_name(variable: str) -> str:
    """The key inside the Secret: ``SECRET_KEY`` -> ``secret-key`` (kubectl's usual spelling)."""
    return re.sub(r"[^a-z0-9.]+", "-", variable.lower()).strip("-") or "value"
