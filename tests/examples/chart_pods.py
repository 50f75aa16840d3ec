"""Play the kubelet's part for the committed charts: render them with the real `helm`, resolve each
container's env as the kubelet would (ConfigMaps, Secret references from test values), give every emptyDir
volume a fresh folder, and run the container's own command in the example folder (the image's workingDir).
Only listen addresses change (a free loopback port instead of 0.0.0.0:<port>).
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from tests.examples.harness import BIN, EXAMPLES, REPO_ROOT
from tests.support.kube_env import config_maps_of, container_env


def render(helm: str, example: str) -> list[dict[str, Any]]:
    result = subprocess.run([helm, "template", example, str(REPO_ROOT / "charts" / example)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def by_component(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
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

    def env(self, container: dict[str, Any], volumes: Path | None = None) -> dict[str, str]:
        """The container's environment. With ``volumes`` (the pod's folder), a value naming a mounted path
        points at that volume's folder instead: ``volumes/<volume name>``, shared by the pod's containers
        as an emptyDir is."""
        base = {"PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "HOME": os.environ.get("HOME", "/"),
                "LANG": "C.UTF-8", "PYTHONUNBUFFERED": "1"}
        env = container_env(container, self.config_maps, self._secret, base) | self.extra_env
        if volumes is None:
            return env
        for mount in container.get("volumeMounts", []):
            local = volumes / mount["name"]
            local.mkdir(parents=True, exist_ok=True)
            for name, value in env.items():
                if value == mount["mountPath"] or value.startswith(mount["mountPath"].rstrip("/") + "/"):
                    env[name] = str(local) + value[len(mount["mountPath"]):]
        return env


def argv_of(container: dict[str, Any], port: int | None = None,
            beat_schedule: Path | None = None) -> list[str]:
    argv = [str(a) for a in container.get("command", []) + container.get("args", [])]
    tools = {"python": sys.executable, "gunicorn": str(BIN / "gunicorn"), "uvicorn": str(BIN / "uvicorn"),
             "celery": str(BIN / "celery"), "granian": str(BIN / "granian")}
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


def run(example: str, argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=EXAMPLES / example, env=env, capture_output=True, text=True, timeout=180)


@contextmanager
def start_container(example: str, argv: list[str], env: dict[str, str],
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


def run_migration_jobs(example: str, docs: list[dict[str, Any]], pod: Pod, phase: str) -> list[str]:
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
            result = run(example, argv_of(container), pod.env(container))
            assert result.returncode == 0, f"{doc['metadata']['name']}/{container['name']}:\n" \
                                           f"{result.stdout}{result.stderr}"
            ran.append(f"{doc['metadata']['name']}/{container['name']}")
    return ran


def secret_values(docs: list[dict[str, Any]], database_url: str) -> dict[tuple[str, str], str]:
    values: dict[tuple[str, str], str] = {}
    for doc in docs:
        for spec in pod_specs(doc):
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


def pod_specs(doc: dict[str, Any]) -> list[dict[str, Any]]:
    if doc["kind"] in ("Deployment", "Job"):
        return [doc["spec"]["template"]["spec"]]
    if doc["kind"] == "CronJob":
        return [doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]]
    if doc["kind"] == "Pod":
        return [doc["spec"]]
    return []


