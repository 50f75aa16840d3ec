"""The committed charts run the example projects: every command the chart gives a container (migration Jobs,
the wait-for-migrations init container, web, Celery worker and beat) is run here, in the chart's order, with
the environment the chart gives it, against a real PostgreSQL.

Kubernetes itself cannot run here, so this plays the kubelet's part: it reads the pod specs that
`helm template` renders, resolves env/envFrom from the rendered ConfigMaps and from test values for the
Secrets, and starts each command in the example folder (the image's workingDir). Only the listen address
is changed (a free loopback port instead of 0.0.0.0:<port>) and beat's schedule file is moved to a tmp dir.
"""

from __future__ import annotations

import os
import signal
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.examples.chart_pods import (
    Pod,
    argv_of,
    by_component,
    render,
    run,
    run_migration_jobs,
    secret_values,
    start_container,
)
from tests.examples.harness import Server, free_port, get, wait_listening

pytestmark = [pytest.mark.postgres, pytest.mark.helm, pytest.mark.slow]


def _scrape(port: int, log: Path) -> str:
    """GET /metrics once the exporter listens (it loads Django first)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
                return str(response.read().decode())
        except OSError:
            if time.monotonic() > deadline:
                raise AssertionError(log.read_text(errors="replace")) from None
            time.sleep(0.2)


@pytest.mark.parametrize("example", ["shop", "events"])
def test_chart_commands_migrate_serve_and_drain(example: str, helm3: str, postgres_db: str, tmp_path: Path,
                                                record_property: pytest.RecordProperty) -> None:
    docs = render(helm3, example)
    queue = tmp_path / "queue"
    queue.mkdir()
    pod = Pod(docs, secret_values(docs, postgres_db), {"CELERY_FILESYSTEM_DIR": str(queue)})
    deployments = by_component(docs, "Deployment")

    # 1. pre-install hooks: the migration Job(s) of phase "all" or "pre".
    ran = run_migration_jobs(example, docs, pod, "pre")
    assert ran, "the chart has no pre-install migration Job"

    # 2. Deployments: each init container (wait-for-migrations) must pass against the migrated database.
    web = deployments["web"]
    for deployment in deployments.values():
        for container in deployment["spec"]["template"]["spec"].get("initContainers", []):
            result = run(example, argv_of(container), pod.env(container))
            assert result.returncode == 0, f"{container['name']}: {result.stdout}{result.stderr}"

    web_spec = web["spec"]["template"]["spec"]
    container = next(c for c in web_spec["containers"] if c["name"] == "web")
    port = free_port()
    pod_volumes = tmp_path / "web-pod"
    env = pod.env(container, pod_volumes)
    host = env["DJANGO_ALLOWED_HOSTS"].split(",")[0]
    with start_container(example, argv_of(container, port=port), env, tmp_path / "web.log") as process:
        server = Server(process, port, tmp_path / "web.log")
        wait_listening(server)
        # The kubelet probes the pod IP: the chart's probe paths must answer 200 with that Host header.
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            if probe in container:
                reply = get(port, container[probe]["httpGet"]["path"], host="10.1.2.3:8000")
                assert reply.status == 200, f"{probe}: {reply.status} {reply.body}\n{server.log()}"
        assert get(port, "/", host=host).status == 200, server.log()

        # The metrics container serves what the web workers counted, merged, on its own port.
        metrics = next(c for c in web_spec["containers"] if c["name"] == "metrics")
        metrics_port = free_port()
        with start_container(example, argv_of(metrics, port=metrics_port), pod.env(metrics, pod_volumes),
                             tmp_path / "metrics.log"):
            scraped = _scrape(metrics_port, tmp_path / "metrics.log")
        for name in ("django_http_responses_total_by_status_view_method_total", "djhelm_migrations_pending",
                     "djhelm_app_processes", "djhelm_database_up 1.0"):
            assert name in scraped, scraped

        # 3. post-install hooks (phases: the contract Job) run while the new pods serve.
        run_migration_jobs(example, docs, pod, "post")
        assert get(port, "/", host=host).status == 200, server.log()

        # 4. Pod deletion: preStop sleeps, then SIGTERM; the server must exit inside the grace period.
        annotations = web["spec"]["template"]["metadata"]["annotations"]
        graceful = int(annotations["djhelm.dev/graceful-timeout-seconds"])
        pre_stop = container["lifecycle"]["preStop"]
        pre_stop_seconds = int(pre_stop["sleep"]["seconds"] if "sleep" in pre_stop
                               else pre_stop["exec"]["command"][-1])
        assert web_spec["terminationGracePeriodSeconds"] >= pre_stop_seconds + graceful
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=web_spec["terminationGracePeriodSeconds"])
        record_property("web_exit_after_sigterm_seconds", round(time.monotonic() - started, 3))
        assert code in (0, -signal.SIGTERM), server.log()


def test_chart_celery_processes_start_and_stop_cleanly(helm3: str, postgres_db: str, tmp_path: Path) -> None:
    docs = render(helm3, "events")
    queue = tmp_path / "queue"
    queue.mkdir()
    pod = Pod(docs, secret_values(docs, postgres_db), {"CELERY_FILESYSTEM_DIR": str(queue)})
    run_migration_jobs("events", docs, pod, "pre")
    deployments = by_component(docs, "Deployment")
    for component, ready_text in (("worker", "ready."), ("beat", "beat: Starting")):
        container = next(c for c in deployments[component]["spec"]["template"]["spec"]["containers"]
                         if c["name"] == component)
        log = tmp_path / f"{component}.log"
        argv = argv_of(container, beat_schedule=tmp_path / "beat-schedule")
        with start_container("events", argv, pod.env(container), log) as process:
            for _ in range(600):
                if ready_text in log.read_text(errors="replace") or process.poll() is not None:
                    break
                time.sleep(0.1)
            assert ready_text in log.read_text(errors="replace"), log.read_text(errors="replace")
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=60) == 0, log.read_text(errors="replace")


def test_chart_cron_job_runs_its_command_after_the_migrations(helm3: str, postgres_db: str,
                                                              tmp_path: Path) -> None:
    """A scheduled run as the CronJob controller would start it: the pod's wait-for-migrations passes, then
    `manage.py clearsessions` with the chart's env removes an expired session and keeps a live one."""
    docs = render(helm3, "events")
    pod = Pod(docs, secret_values(docs, postgres_db), {"CELERY_FILESYSTEM_DIR": str(tmp_path)})
    run_migration_jobs("events", docs, pod, "pre")
    with psycopg.connect(postgres_db, autocommit=True) as connection:
        connection.execute("INSERT INTO django_session VALUES ('expired', 'e30', now() - interval '1 day'),"
                           " ('live', 'e30', now() + interval '1 day')")
    cron = next(doc for doc in docs if doc["kind"] == "CronJob")
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    spec = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    for container in spec.get("initContainers", []) + spec["containers"]:
        result = run("events", argv_of(container), pod.env(container))
        assert result.returncode == 0, f"{container['name']}: {result.stdout}{result.stderr}"
    with psycopg.connect(postgres_db) as connection:
        keys = [row[0] for row in connection.execute("SELECT session_key FROM django_session")]
    assert keys == ["live"]


def _probe(example: str, container: dict[str, Any], env: dict[str, str]) -> int:
    """Run the container's exec liveness probe as the kubelet would (same env, its exit code decides)."""
    command = [str(a) for a in container["livenessProbe"]["exec"]["command"]]
    command[0] = sys.executable if command[0] == "python" else command[0]
    return run(example, command, env).returncode


def _eventually(check: Any, attempts: int = 300) -> bool:
    for _ in range(attempts):
        if check():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("component", ["worker", "beat"])
def test_celery_liveness_fails_when_the_loop_stops_and_not_before(
    helm3: str, postgres_db: str, tmp_path: Path, component: str
) -> None:
    """The chart's exec probe passes while the worker's event loop (or beat's scheduler loop) turns, fails
    once the process is frozen (SIGSTOP: a hung loop), and passes again when it resumes. It never asks
    the broker. The heartbeat is shortened to 1 s here (DJHELM_CELERY_HEARTBEAT_SECONDS), and beat gets a
    task every second, so its loop never sleeps long (beat promises its next write after each sleep)."""
    from djhelm.runtime.celery_liveness import PROBE_SOURCE

    docs = render(helm3, "events")
    queue = tmp_path / "queue"
    queue.mkdir()
    heartbeat = tmp_path / "alive"
    extra = {"CELERY_FILESYSTEM_DIR": str(queue), "DJHELM_CELERY_HEARTBEAT_FILE": str(heartbeat),
             "DJHELM_CELERY_HEARTBEAT_SECONDS": "1", "EVENTS_REMINDER_INTERVAL_SECONDS": "1"}
    pod = Pod(docs, secret_values(docs, postgres_db), extra)
    run_migration_jobs("events", docs, pod, "pre")
    container = next(c for c in by_component(docs, "Deployment")[component]["spec"]["template"]["spec"]
                     ["containers"] if c["name"] == component)
    assert container["livenessProbe"]["exec"]["command"][2] == PROBE_SOURCE
    env = pod.env(container)
    assert _probe("events", container, env) == 0, "a process that never wrote the file cannot be judged"
    argv = argv_of(container, beat_schedule=tmp_path / "beat-schedule")
    with start_container("events", argv, env, tmp_path / f"{component}.log") as process:
        log = tmp_path / f"{component}.log"
        assert _eventually(heartbeat.exists), log.read_text(errors="replace")
        assert _probe("events", container, env) == 0
        os.kill(process.pid, signal.SIGSTOP)  # the main loop only; prefork children keep running
        try:
            assert _eventually(lambda: _probe("events", container, env) == 1), "a frozen loop must fail"
        finally:
            os.kill(process.pid, signal.SIGCONT)
        assert _eventually(lambda: _probe("events", container, env) == 0), log.read_text(errors="replace")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0, log.read_text(errors="replace")
