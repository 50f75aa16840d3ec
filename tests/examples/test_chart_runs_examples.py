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
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.examples.harness import BIN, EXAMPLES, REPO_ROOT, Server, free_port, get, wait_listening
from tests.support.kube_env import config_maps_of, container_env

pytestmark = [pytest.mark.postgres, pytest.mark.helm, pytest.mark.slow]


def _render(helm: str, example: str) -> list[dict[str, Any]]:
    result = subprocess.run([helm, "template", example, str(REPO_ROOT / "charts" / example)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def _by_component(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    found = {}
    for doc in docs:
        if doc["kind"] == kind:
            labels = doc["spec"]["template"]["metadata"].get("labels", {})
            found[labels.get("app.kubernetes.io/component", doc["metadata"]["name"])] = doc
    return found


class Pod:
    """Resolves a rendered container's environment as the kubelet would."""

    def __init__(self, docs: list[dict[str, Any]], secret_values: dict[tuple[str, str], str],
                 extra_env: dict[str, str]) -> None:
        self.config_maps = config_maps_of(docs)
        self.secret_values = secret_values
        self.extra_env = extra_env

    def _secret(self, name: str, key: str) -> str:
        assert (name, key) in self.secret_values, f"test has no value for Secret {(name, key)}"
        return self.secret_values[(name, key)]

    def env(self, container: dict[str, Any]) -> dict[str, str]:
        base = {"PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "HOME": os.environ.get("HOME", "/"),
                "LANG": "C.UTF-8", "PYTHONUNBUFFERED": "1"}
        return container_env(container, self.config_maps, self._secret, base) | self.extra_env


def _argv(container: dict[str, Any], port: int | None = None, beat_schedule: Path | None = None) -> list[str]:
    argv = [str(a) for a in container.get("command", []) + container.get("args", [])]
    tools = {"python": sys.executable, "gunicorn": str(BIN / "gunicorn"), "uvicorn": str(BIN / "uvicorn"),
             "celery": str(BIN / "celery")}
    argv[0] = tools.get(argv[0], argv[0])
    for index, arg in enumerate(argv):
        if port is not None and arg.startswith("0.0.0.0:"):
            argv[index] = f"127.0.0.1:{port}"
        elif port is not None and index and argv[index - 1] == "--host":
            argv[index] = "127.0.0.1"
        elif port is not None and index and argv[index - 1] == "--port":
            argv[index] = str(port)
        elif beat_schedule is not None and index and argv[index - 1] in ("--schedule", "-s"):
            argv[index] = str(beat_schedule)
    return argv


def _run(example: str, argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=EXAMPLES / example, env=env, capture_output=True, text=True, timeout=180)


@contextmanager
def _started(example: str, argv: list[str], env: dict[str, str],
             log: Path) -> Iterator[subprocess.Popen[str]]:
    with open(log, "w") as out:
        process = subprocess.Popen(argv, cwd=EXAMPLES / example, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _run_migration_jobs(example: str, docs: list[dict[str, Any]], pod: Pod, phase: str) -> list[str]:
    """Run the Jobs of one hook phase ("pre" runs before the Deployments update, "post" after)."""
    ran = []
    for doc in docs:
        if doc["kind"] != "Job":
            continue
        annotations = doc["metadata"].get("annotations", {})
        if annotations.get("djhelm.dev/migration-phase") is None:
            continue
        hook = annotations.get("helm.sh/hook", "")
        is_post = hook.startswith("post-")
        if is_post != (phase == "post"):
            continue
        spec = doc["spec"]["template"]["spec"]
        for container in spec.get("initContainers", []) + spec["containers"]:
            result = _run(example, _argv(container), pod.env(container))
            assert result.returncode == 0, f"{doc['metadata']['name']}/{container['name']}:\n" \
                                           f"{result.stdout}{result.stderr}"
            ran.append(f"{doc['metadata']['name']}/{container['name']}")
    return ran


def _secrets(docs: list[dict[str, Any]], database_url: str) -> dict[tuple[str, str], str]:
    values: dict[tuple[str, str], str] = {}
    for doc in docs:
        for spec in _pod_specs(doc):
            for container in spec.get("initContainers", []) + spec.get("containers", []):
                for item in container.get("env", []):
                    ref = item.get("valueFrom", {}).get("secretKeyRef")
                    if not ref:
                        continue
                    # One test value per kind of variable; the primary stands in for every replica.
                    name = item["name"]
                    if name.startswith("DATABASE_"):
                        values[(ref["name"], ref["key"])] = database_url
                    elif "BROKER" in name:
                        values[(ref["name"], ref["key"])] = "filesystem://"
                    elif name == "SECRET_KEY":
                        values[(ref["name"], ref["key"])] = secrets.token_urlsafe(50)
    return values


def _pod_specs(doc: dict[str, Any]) -> list[dict[str, Any]]:
    if doc["kind"] in ("Deployment", "Job"):
        return [doc["spec"]["template"]["spec"]]
    if doc["kind"] == "Pod":
        return [doc["spec"]]
    return []


@pytest.mark.parametrize("example", ["shop", "events"])
def test_chart_commands_migrate_serve_and_drain(example: str, helm3: str, postgres_db: str, tmp_path: Path,
                                                record_property: pytest.RecordProperty) -> None:
    docs = _render(helm3, example)
    queue = tmp_path / "queue"
    queue.mkdir()
    pod = Pod(docs, _secrets(docs, postgres_db), {"CELERY_FILESYSTEM_DIR": str(queue)})
    deployments = _by_component(docs, "Deployment")

    # 1. pre-install hooks: the migration Job(s) of phase "all" or "pre".
    ran = _run_migration_jobs(example, docs, pod, "pre")
    assert ran, "the chart has no pre-install migration Job"

    # 2. Deployments: each init container (wait-for-migrations) must pass against the migrated database.
    web = deployments["web"]
    for deployment in deployments.values():
        for container in deployment["spec"]["template"]["spec"].get("initContainers", []):
            result = _run(example, _argv(container), pod.env(container))
            assert result.returncode == 0, f"{container['name']}: {result.stdout}{result.stderr}"

    web_spec = web["spec"]["template"]["spec"]
    container = next(c for c in web_spec["containers"] if c["name"] == "web")
    port = free_port()
    env = pod.env(container)
    host = env["DJANGO_ALLOWED_HOSTS"].split(",")[0]
    with _started(example, _argv(container, port=port), env, tmp_path / "web.log") as process:
        server = Server(process, port, tmp_path / "web.log")
        wait_listening(server)
        # The kubelet probes the pod IP: the chart's probe paths must answer 200 with that Host header.
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            if probe in container:
                reply = get(port, container[probe]["httpGet"]["path"], host="10.1.2.3:8000")
                assert reply.status == 200, f"{probe}: {reply.status} {reply.body}\n{server.log()}"
        assert get(port, "/", host=host).status == 200, server.log()

        # 3. post-install hooks (phases: the contract Job) run while the new pods serve.
        _run_migration_jobs(example, docs, pod, "post")
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
    docs = _render(helm3, "events")
    queue = tmp_path / "queue"
    queue.mkdir()
    pod = Pod(docs, _secrets(docs, postgres_db), {"CELERY_FILESYSTEM_DIR": str(queue)})
    _run_migration_jobs("events", docs, pod, "pre")
    deployments = _by_component(docs, "Deployment")
    for component, ready_text in (("worker", "ready."), ("beat", "beat: Starting")):
        container = next(c for c in deployments[component]["spec"]["template"]["spec"]["containers"]
                         if c["name"] == component)
        log = tmp_path / f"{component}.log"
        argv = _argv(container, beat_schedule=tmp_path / "beat-schedule")
        with _started("events", argv, pod.env(container), log) as process:
            for _ in range(600):
                if ready_text in log.read_text(errors="replace") or process.poll() is not None:
                    break
                time.sleep(0.1)
            assert ready_text in log.read_text(errors="replace"), log.read_text(errors="replace")
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=60) == 0, log.read_text(errors="replace")


def _probe(example: str, container: dict[str, Any], env: dict[str, str]) -> int:
    """Run the container's exec liveness probe as the kubelet would (same env, its exit code decides)."""
    command = [str(a) for a in container["livenessProbe"]["exec"]["command"]]
    command[0] = sys.executable if command[0] == "python" else command[0]
    return _run(example, command, env).returncode


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

    docs = _render(helm3, "events")
    queue = tmp_path / "queue"
    queue.mkdir()
    heartbeat = tmp_path / "alive"
    extra = {"CELERY_FILESYSTEM_DIR": str(queue), "DJHELM_CELERY_HEARTBEAT_FILE": str(heartbeat),
             "DJHELM_CELERY_HEARTBEAT_SECONDS": "1", "EVENTS_REMINDER_INTERVAL_SECONDS": "1"}
    pod = Pod(docs, _secrets(docs, postgres_db), extra)
    _run_migration_jobs("events", docs, pod, "pre")
    container = next(c for c in _by_component(docs, "Deployment")[component]["spec"]["template"]["spec"]
                     ["containers"] if c["name"] == component)
    assert container["livenessProbe"]["exec"]["command"][2] == PROBE_SOURCE
    env = pod.env(container)
    assert _probe("events", container, env) == 0, "a process that never wrote the file cannot be judged"
    argv = _argv(container, beat_schedule=tmp_path / "beat-schedule")
    with _started("events", argv, env, tmp_path / f"{component}.log") as process:
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
