"""Serve the pod's Prometheus metrics on their own port: `manage.py djhelm_metrics --port 9808`.

The chart runs this as a second container of each web pod, so `/metrics` never shares a port (or a Service,
or an Ingress) with the site. It serves, in one response:
- every metric the pod's server workers wrote to ``PROMETHEUS_MULTIPROC_DIR`` (django-prometheus's request,
  latency and database metrics, djhelm's replica counters), merged across workers as prometheus_client's
  multiprocess mode does: a gunicorn or uvicorn worker cannot serve its siblings' numbers;
- djhelm's database gauges (pending migrations per phase, the ledger's last runs, live processes per code
  version), read at scrape time.
Without ``PROMETHEUS_MULTIPROC_DIR`` it serves only its own process's registry and the database gauges.
"""

from __future__ import annotations

import os
import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from djhelm import envnames


class Command(BaseCommand):
    help = "Serve djhelm's and django-prometheus's metrics on a separate port until SIGTERM."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=9808, help="port to listen on (default 9808)")
        parser.add_argument("--address", default="0.0.0.0", help="address to listen on (default all)")
        parser.add_argument("--database", default="default", help="database alias the gauges read")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            from prometheus_client import REGISTRY, CollectorRegistry, multiprocess, start_http_server
        except ImportError:
            raise CommandError(
                "prometheus_client is not installed: add djhelm[metrics] (or django-prometheus) to the "
                "image's requirements", returncode=2,
            ) from None

        from djhelm.runtime.metrics import DatabaseCollector

        folder = os.environ.get(envnames.PROMETHEUS_MULTIPROC_DIR)
        if folder:
            if not os.path.isdir(folder):
                raise CommandError(f"PROMETHEUS_MULTIPROC_DIR={folder} is not a directory", returncode=2)
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry, path=folder)  # type: ignore[no-untyped-call]
        else:
            registry = REGISTRY
        registry.register(DatabaseCollector(options["database"]))
        server, thread = start_http_server(options["port"], addr=options["address"], registry=registry)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
        signal.signal(signal.SIGINT, lambda signum, frame: stop.set())
        self.stdout.write(f"djhelm metrics on {options['address']}:{options['port']}/metrics")
        self.stdout.flush()
        stop.wait()
        server.shutdown()
        thread.join(timeout=5)
