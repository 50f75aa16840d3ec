from __future__ import annotations

from contextlib import suppress

from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured


class DjhelmRuntimeConfig(AppConfig):
    name = "djhelm.runtime"
    label = "djhelm_runtime"
    verbose_name = "djhelm runtime"

    def ready(self) -> None:
        from djhelm.runtime import (
            celery_liveness,
            metrics,
            processes,
            replica_migrations,
            replica_options,
            tables,
        )

        if metrics.ENABLED:
            # a settings mistake is reported where the router reads them, with its own message
            with suppress(ImproperlyConfigured):
                metrics.initialise(replica_options.load().weights)
        replica_migrations.connect()
        tables.connect()
        celery_liveness.connect()
        processes.start()
