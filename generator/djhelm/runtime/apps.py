from __future__ import annotations

from contextlib import suppress

from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured


class DjhelmRuntimeConfig(AppConfig):
    name = "djhelm.runtime"
    label = "djhelm_runtime"
    verbose_name = "djhelm runtime"

    def ready(self) -> None:
        from djhelm.runtime import celery_liveness, metrics, processes, tables
        from djhelm.runtime.replicas import no_migrate
        from djhelm.runtime.replicas import options as replica_options

        if metrics.ENABLED:
            # a settings mistake is reported where the router reads them, with its own message
            with suppress(ImproperlyConfigured):
                metrics.initialise(replica_options.load().weights)
        no_migrate.connect()
        tables.connect()
        celery_liveness.connect()
        processes.start()
