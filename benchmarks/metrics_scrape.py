"""Benchmark: what one scrape of the chart's metrics container costs, beside django-prometheus's own export.

Serves the shop example with gunicorn (2 workers, PROMETHEUS_MULTIPROC_DIR as the chart sets it) against a
real PostgreSQL started here, sends some requests so the workers write their files, then times, in one
process with the shop's settings:
- django-prometheus's export: what its `/metrics` view does in multiprocess mode (prometheus_client's
  MultiProcessCollector merging the workers' files, then the text format);
- djhelm_metrics' scrape: the same merge plus djhelm's database gauges (pending migrations per phase from the
  migration plan, the ledger's last runs, live processes per code version).
Reports the median and the ratio. The chart scrapes every 30 s, so either is a small share of one core.

Usage: python benchmarks/metrics_scrape.py [--scrapes 50] [--requests 200]
"""

from __future__ import annotations

import argparse
import http.client
import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.examples.harness import BIN, EXAMPLES, example_env, manage  # noqa: E402
from tests.support.postgres import PostgresServer, free_port  # noqa: E402

TIMING = """
import json, os, statistics, time
from prometheus_client import CollectorRegistry, generate_latest, multiprocess
from djhelm.runtime.metrics import DatabaseCollector
folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
plain = CollectorRegistry(); multiprocess.MultiProcessCollector(plain, path=folder)
full = CollectorRegistry(); multiprocess.MultiProcessCollector(full, path=folder)
full.register(DatabaseCollector())
result = {}
for name, registry in (("django_prometheus_export", plain), ("djhelm_metrics", full)):
    generate_latest(registry)  # first scrape: imports and the migration verdicts, cached afterwards
    times = []
    for _ in range(SCRAPES):
        started = time.perf_counter()
        body = generate_latest(registry)
        times.append(time.perf_counter() - started)
    result[name] = {"median_ms": round(1000 * statistics.median(times), 2), "bytes": len(body)}
print(json.dumps(result))
"""


def _serve(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    command = [str(BIN / "gunicorn"), "shop.wsgi:application", "--bind", f"127.0.0.1:{port}",
               "--workers", "2"]
    server = subprocess.Popen(command, cwd=EXAMPLES / "shop", env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/", headers={"Host": "localhost"})
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the example did not start")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scrapes", type=int, default=50)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    server = PostgresServer().start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            env = {**example_env("shop", server.create_database("metrics_bench")),
                   "PROMETHEUS_MULTIPROC_DIR": folder}
            migrated = manage("shop", env, "migrate_phase", "pre")
            if migrated.returncode != 0:
                print(migrated.stderr, file=sys.stderr)
                return 2
            port = free_port()
            app = _serve(env, port)
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                for index in range(args.requests):
                    path = "/" if index % 4 else "/missing/"
                    connection.request("GET", path, headers={"Host": "localhost"})
                    connection.getresponse().read()
                timed = manage("shop", env, "shell", "-c", TIMING.replace("SCRAPES", str(args.scrapes)))
            finally:
                app.send_signal(signal.SIGTERM)
                app.wait(timeout=60)
        if timed.returncode != 0:
            print(timed.stderr, file=sys.stderr)
            return 2
        result = json.loads(timed.stdout.strip().splitlines()[-1])
        result["ratio"] = round(result["djhelm_metrics"]["median_ms"]
                                / result["django_prometheus_export"]["median_ms"], 2)
        print(json.dumps(result, indent=2))
    finally:
        server.destroy()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
