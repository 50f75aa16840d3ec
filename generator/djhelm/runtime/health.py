"""Probe views for projects that have none: `path("", include("djhelm.runtime.urls"))` in the root URLconf
serves `/healthz/live` and `/healthz/ready`, the chart's default probe paths.

Liveness answers from the process alone: a database outage must not get every pod restarted. Readiness asks
the database and, until it has once been true, whether every migration this code needs before it may serve
is applied (with `migrations.phases`, the pre migrations; post ones run after the rollout): a pod of a new
release that starts before its migrations stays out of the Service instead of answering 500s.
"""

from __future__ import annotations

import threading

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.utils import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache

from djhelm.errors import DjhelmError
from djhelm.runtime.migration_settings import ConfigError, load_config
from djhelm.runtime.runner import make_plan

# Once this code's migrations were found applied they stay applied for its lifetime (a contract never
# removes what the running code needs), so the migration graph is loaded once per process, not per probe.
_schema_ready = threading.Event()


@never_cache
def live(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok\n", content_type="text/plain")


@never_cache
def ready(request: HttpRequest) -> HttpResponse:
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        if not _schema_ready.is_set():
            missing = _missing_migrations(connection)
            if missing:
                return _unavailable(f"migrations not applied yet: {', '.join(missing)}")
            _schema_ready.set()
    except DatabaseError as error:
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
        return _unavailable(f"database: {first_line}")
    return HttpResponse("ok\n", content_type="text/plain")


def _missing_migrations(connection: object) -> list[str]:
    try:
        config = load_config(getattr(settings, "DJHELM_MIGRATIONS", None))
    except ConfigError as error:
        return [f"(DJHELM_MIGRATIONS: {error})"]
    try:
        plan = make_plan(MigrationExecutor(connection), config)
    except DjhelmError as error:
        return [f"(checker: {error})"]
    return [f"{step.app}.{step.name}" for step in plan.needed_before_rollout()]


def _unavailable(reason: str) -> HttpResponse:
    # The reason goes to the pod's events (the kubelet records a failed probe's body), not to users:
    # no Service sends traffic to this path.
    return HttpResponse(f"not ready: {reason}\n", status=503, content_type="text/plain")
