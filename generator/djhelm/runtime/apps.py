from __future__ import annotations

from django.apps import AppConfig


class DjhelmRuntimeConfig(AppConfig):
    name = "djhelm.runtime"
    label = "djhelm_runtime"
    verbose_name = "djhelm runtime"

    def ready(self) -> None:
        from djhelm.runtime import celery_liveness, processes, replica_migrations

        replica_migrations.connect()
        celery_liveness.connect()
        processes.start()
