"""Health endpoints for Kubernetes probes.

- liveness (`/healthz/live`) answers from the process alone. It must never touch the database: a database
  outage would otherwise make Kubernetes restart every healthy pod at once.
- readiness (`/healthz/ready`) runs one cheap query, so a pod that cannot reach the database stops receiving
  traffic instead of serving errors.
"""

import logging
from collections.abc import Callable

from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, resolve

logger = logging.getLogger(__name__)


def live(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"})


def ready(request: HttpRequest) -> HttpResponse:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        logger.warning("readiness: database unavailable: %s", error)
        return JsonResponse({"status": "unavailable", "reason": "database"}, status=503)
    return JsonResponse({"status": "ok"})


_PROBE_VIEWS = (live, ready)


class ProbeMiddleware:
    """Answer probe URLs before the rest of the stack runs.

    Kubernetes sends probes with `Host: <pod IP>:<port>`, which ALLOWED_HOSTS rightly rejects, and probes need
    no sessions or CSRF. The probe URLs stay declared in urls.py; this only short-cuts the views found there.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in ("GET", "HEAD") and request.path_info.startswith("/healthz/"):
            try:
                match = resolve(request.path_info)
            except Resolver404:
                return self.get_response(request)
            if match.func in _PROBE_VIEWS:
                return match.func(request)
        return self.get_response(request)
