"""`path("", include("djhelm.runtime.urls"))`: the probe paths the chart uses by default."""

from __future__ import annotations

from django.urls import path

from djhelm.runtime import health

app_name = "djhelm"
urlpatterns = [
    path("healthz/live", health.live, name="live"),
    path("healthz/ready", health.ready, name="ready"),
]
