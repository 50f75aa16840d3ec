from __future__ import annotations

from django.apps import AppConfig


class DjhelmRuntimeConfig(AppConfig):
    name = "djhelm.runtime"
    label = "djhelm_runtime"
    verbose_name = "djhelm runtime"
