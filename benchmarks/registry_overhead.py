"""Benchmark: what the process registry costs a serving app, side by side in one run.

Serves the shop example with gunicorn (2 workers, as the chart runs it) against a real PostgreSQL started
here, once with the registry on (the default: a heartbeat every 5 s per process) and once off
(DJHELM_PROCESS_REGISTRY=off), alternating the two several times, and drives the same load at each: a
pool of client threads requesting a page that reads the database, for a fixed time. Reports requests per
second of each and the relative cost.

Usage: python benchmarks/registry_overhead.py [--seconds 10] [--rounds 3] [--clients 8]
"""

from __future__ import annotations

import argparse
import http.client
import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.examples.harness import BIN, EXAMPLES, example_env, manage  # noqa: E402
from tests.support.postgres import PostgresServer, free_port  # noqa: E402

PATH = "/healthz/ready"  # checks the database: every request opens a cursor


def _serve(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    command = [str(BIN / "gunicorn"), "shop.wsgi:application", "--bind", f"127.0.0.1:{port}",
               "--workers", "2"]
    server = subprocess.Popen(command, cwd=EXAMPLES / "shop", env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", PATH, headers={"Host": "localhost"})
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the example did not start")


def _load(port: int, seconds: float, clients: int) -> float:
    done = [0] * clients
    stop = time.monotonic() + seconds

    def client(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.monotonic() < stop:
            connection.request("GET", PATH, headers={"Host": "localhost"})
            response = connection.getresponse()
            response.read()
            if response.status == 200:
                done[index] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / seconds


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    server = PostgresServer().start()
    try:
        url = server.create_database("registry_bench")
        env = example_env("shop", url)
        migrated = manage("shop", env, "migrate_phase", "pre")
        if migrated.returncode != 0:
            print(migrated.stderr, file=sys.stderr)
            return 2
        rates: dict[str, list[float]] = {"on": [], "off": []}
        for _ in range(args.rounds):
            for mode in ("on", "off"):
                port = free_port()
                app = _serve({**env, "DJHELM_PROCESS_REGISTRY": mode}, port)
                try:
                    rates[mode].append(_load(port, args.seconds, args.clients))
                finally:
                    app.send_signal(signal.SIGTERM)
                    app.wait(timeout=60)
        best = {mode: max(values) for mode, values in rates.items()}
        print(json.dumps({
            "requests_per_second": {mode: [round(v, 1) for v in values] for mode, values in rates.items()},
            "best": {mode: round(value, 1) for mode, value in best.items()},
            "registry_cost_percent": round(100 * (best["off"] - best["on"]) / best["off"], 2),
        }, indent=2))
    finally:
        server.destroy()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
