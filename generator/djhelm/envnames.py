"""The environment variables between the chart and the code in the image, declared once.

The chart's templates set them (tests/test_env_contract.py greps the templates against this table, both
ways), `djhelm.runtime` reads them by these constants, and djhelm.yaml refuses a user variable the chart
owns (config/checks.py builds its rule from `chart_owned`). A variable the runtime reads and the user may
set (a tuning knob) is declared here too, as `user`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class EnvName:
    name: str
    set_by: str  # "chart": the chart always writes it; "user": a knob the runtime reads when given
    doc: str
    # What the runtime assumes when the variable is absent, and the chart's default for the value it writes
    # there (values_spec refers to it), so a `migrate_phase` run outside the chart behaves as one inside.
    default: str | None = None


def _declare(name: str, set_by: str, doc: str, default: str | None = None) -> str:
    ENV_NAMES[name] = EnvName(name, set_by, doc, default)
    return name


def default_of(name: str) -> str:
    """The declared default of the variable ``name``."""
    default = ENV_NAMES[name].default
    if default is None:
        raise KeyError(f"{name} declares no default")
    return default


ENV_NAMES: dict[str, EnvName] = {}

# ---- database URLs (every app container; migration containers get the direct one as DATABASE_URL)
DATABASE_URL = _declare(
    "DATABASE_URL", "chart", "The primary, usually through the pooler (a Secret reference)."
)
DATABASE_MIGRATION_URL = _declare(
    "DATABASE_MIGRATION_URL",
    "chart",
    "Direct to the primary, for migrations (session settings, advisory locks).",
)
DATABASE_REPLICA_URLS = _declare(
    "DATABASE_REPLICA_URLS", "chart", "Comma-separated replica URLs, joined from DATABASE_REPLICA_URL_<NAME>."
)
DATABASE_REPLICA_URL_PREFIX = "DATABASE_REPLICA_URL_"  # + the replica's name, one Secret reference each
DATABASE_REPLICA_WEIGHTS = _declare("DATABASE_REPLICA_WEIGHTS", "chart", "name=weight pairs of the replicas.")
PGOPTIONS = _declare("PGOPTIONS", "chart", "lock_timeout and statement_timeout of every migration session.")

# ---- migrations (migrate_phase)
LOCK_TIMEOUT = _declare(
    "DJHELM_LOCK_TIMEOUT", "chart", "migrations.lockTimeout, as migrate_phase reads it.", default="5s"
)
STATEMENT_TIMEOUT = _declare(
    "DJHELM_STATEMENT_TIMEOUT", "chart", "migrations.statementTimeout.", default="5min"
)
POST_WAIT = _declare("DJHELM_POST_WAIT", "chart", "How long `migrate_phase post` waits for old code.")
WAIT_TIMEOUT_SECONDS = _declare(
    "DJHELM_WAIT_TIMEOUT_SECONDS", "chart", "How long wait-for-migrations waits (job/none strategies)."
)
DATABASE_WAIT_SECONDS = _declare(
    "DJHELM_DATABASE_WAIT_SECONDS", "chart", "How long a migration Job waits for the database."
)
LOCK_RETRIES = _declare("DJHELM_LOCK_RETRIES", "user", "Lock-timeout retries per migration.")
RETRY_DELAY = _declare("DJHELM_RETRY_DELAY", "user", "First back-off after a lock timeout.")
RETRY_MAX_DELAY = _declare("DJHELM_RETRY_MAX_DELAY", "user", "Longest back-off after a lock timeout.")
ADVISORY_LOCK_WAIT = _declare("DJHELM_ADVISORY_LOCK_WAIT", "user", "How long to wait for another migrator.")
THIRD_PARTY = _declare("DJHELM_THIRD_PARTY", "user", "How third-party apps' migrations are phased.")

# ---- processes
PROCESS_REGISTRY = _declare(
    "DJHELM_PROCESS_REGISTRY", "chart", "on/off/auto: whether this process registers its code version."
)
HEARTBEAT = _declare("DJHELM_HEARTBEAT", "user", "Registry heartbeat period.")
PROCESS_TTL = _declare("DJHELM_PROCESS_TTL", "user", "When a silent process counts as gone.")
CELERY_HEARTBEAT_FILE = _declare(
    "DJHELM_CELERY_HEARTBEAT_FILE", "chart", "Where Celery's loops promise their next beat (liveness probe)."
)
CELERY_HEARTBEAT_SECONDS = _declare("DJHELM_CELERY_HEARTBEAT_SECONDS", "user", "Celery's heartbeat period.")
PROMETHEUS_MULTIPROC_DIR = _declare(
    "PROMETHEUS_MULTIPROC_DIR",
    "chart",
    "Where the web workers' metrics files go (the metrics container reads).",
)

# ---- replicas (read-your-writes routing)
REPLICA_PIN_SECONDS = _declare(
    "DJHELM_REPLICA_PIN_SECONDS", "user", "Reads stay on the primary after a write."
)
REPLICA_MAX_LAG_SECONDS = _declare(
    "DJHELM_REPLICA_MAX_LAG_SECONDS", "user", "Lag above which a replica is skipped."
)
REPLICA_CHECK_SECONDS = _declare("DJHELM_REPLICA_CHECK_SECONDS", "user", "How often replica lag is checked.")
REPLICA_COOLOFF_SECONDS = _declare(
    "DJHELM_REPLICA_COOLOFF_SECONDS", "user", "How long a failed replica rests."
)

# ---- the helm test pod (its own script, not the runtime)
TEST_URL = _declare("DJHELM_TEST_URL", "chart", "What the helm test pod requests.")
TEST_HOST = _declare("DJHELM_TEST_HOST", "chart", "The Host header the helm test pod sends.")


def chart_owned() -> re.Pattern[str]:
    """Names a user's djhelm.yaml may not set: everything the chart writes, replica URLs, DJHELM_*, and
    DJANGO_SETTINGS_MODULE (the chart's ConfigMap carries it)."""
    chart = sorted(n.name for n in ENV_NAMES.values() if not n.name.startswith("DJHELM_"))
    names = "|".join([*chart, "DJANGO_SETTINGS_MODULE"])
    return re.compile(rf"^({names}|{DATABASE_REPLICA_URL_PREFIX}\w+|DJHELM_\w+)$")
