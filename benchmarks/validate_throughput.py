#!/usr/bin/env python3
"""Objects per second: `djhelm validate` vs the `kubernetes-validate` CLI on the same generated manifests.

Generates COUNT objects (a mix of Deployments, Services, ConfigMaps, Jobs, PodDisruptionBudgets and
HorizontalPodAutoscalers, as a Django chart renders them) into FILES files, then times, on one Kubernetes
version:
  - djhelm validate (CLI, new process: includes interpreter start and schema load), with the rules
  - djhelm validate --schema-only (CLI)
  - the core API in process (djhelm.validation.validate_documents), steady state, with and without the
    compiled pre-check (without it every object goes through jsonschema, the reference)
  - kubernetes-validate --strict (CLI, new process), the PyPI tool whose schemas djhelm vendors

Usage: python benchmarks/validate_throughput.py [--count 3000] [--files 30] [--kube-version 1.37]
Needs the bench extra (pip install -e '.[bench]') for kubernetes-validate.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from djhelm.validation import Source, validate_documents

BIN = Path(sys.executable).parent


def deployment(i: int) -> dict[str, Any]:
    labels = {"app.kubernetes.io/name": f"app{i}", "app.kubernetes.io/component": "web"}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": f"web-{i}", "labels": labels},
        "spec": {
            "replicas": 2,
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels, "annotations": {"djhelm.dev/graceful-timeout-seconds": "25"}},
                "spec": {
                    "terminationGracePeriodSeconds": 40,
                    "containers": [
                        {
                            "name": "web",
                            "image": f"ghcr.io/acme/app{i}:1.0.0",
                            "args": ["gunicorn", "app.wsgi:application", "--graceful-timeout", "25"],
                            "ports": [{"name": "http", "containerPort": 8000}],
                            "env": [
                                {"name": "DJANGO_SETTINGS_MODULE", "value": "app.settings"},
                                {
                                    "name": "DATABASE_URL",
                                    "valueFrom": {"secretKeyRef": {"name": "db", "key": "url"}},
                                },
                            ],
                            "resources": {
                                "requests": {"cpu": "100m", "memory": "256Mi"},
                                "limits": {"memory": "512Mi"},
                            },
                            "readinessProbe": {"httpGet": {"path": "/healthz/ready", "port": "http"}},
                            "livenessProbe": {"httpGet": {"path": "/healthz/live", "port": "http"}},
                            "lifecycle": {"preStop": {"exec": {"command": ["sleep", "10"]}}},
                            "securityContext": {"allowPrivilegeEscalation": False, "runAsNonRoot": True},
                        }
                    ],
                },
            },
        },
    }


def service(i: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": f"web-{i}"},
        "spec": {
            "selector": {"app.kubernetes.io/name": f"app{i}"},
            "ports": [{"name": "http", "port": 80, "targetPort": "http"}],
        },
    }


def configmap(i: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": f"cfg-{i}"},
        "data": {f"KEY_{k}": f"value-{k}" for k in range(8)},
    }


def job(i: int) -> dict[str, Any]:
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": f"migrate-{i}-3836b4f0",
            "labels": {"app.kubernetes.io/component": "migrations"},
            "annotations": {"djhelm.dev/migration-phase": "pre"},
        },
        "spec": {
            "backoffLimit": 1,
            "activeDeadlineSeconds": 540,
            "template": {
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [
                        {
                            "name": "migrate",
                            "image": f"ghcr.io/acme/app{i}:1.0.0",
                            "command": ["python", "manage.py", "migrate_phase", "pre"],
                        }
                    ],
                }
            },
        },
    }


def pdb(i: int) -> dict[str, Any]:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": f"web-{i}"},
        "spec": {
            "maxUnavailable": 1,
            "selector": {
                "matchLabels": {"app.kubernetes.io/name": f"app{i}", "app.kubernetes.io/component": "web"}
            },
        },
    }


def hpa(i: int) -> dict[str, Any]:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": f"web-{i}"},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": f"web-{i}"},
            "minReplicas": 2,
            "maxReplicas": 6,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}},
                }
            ],
        },
    }


MAKERS: list[Callable[[int], dict[str, Any]]] = [deployment, service, configmap, job, pdb, hpa]


class _PlainDumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def generate(folder: Path, count: int, files: int) -> list[Path]:
    objects = [MAKERS[n % len(MAKERS)](n // len(MAKERS)) for n in range(count)]
    per_file = -(-count // files)
    paths = []
    for index in range(files):
        chunk = objects[index * per_file : (index + 1) * per_file]
        if not chunk:
            break
        path = folder / f"manifests-{index:03d}.yaml"
        # no anchors for Python objects that happen to be shared: Helm's output never has any
        path.write_text(yaml.dump_all(chunk, Dumper=_PlainDumper, sort_keys=False))
        paths.append(path)
    return paths


def timed(command: list[str]) -> tuple[float, float, int, float]:
    """Wall seconds, CPU seconds (user + system of the child: steadier on a busy machine), exit code, and
    the child's peak memory (max RSS, MB), from wait4 on that one child."""
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, child.returncode, usage.ru_maxrss / 1024


def in_process(
    sources: list[Source], version: str, precheck: bool = True
) -> tuple[float, float, int, float | None]:
    start, cpu_start = time.perf_counter(), time.process_time()
    report = validate_documents(sources, [version], precheck=precheck)
    return time.perf_counter() - start, time.process_time() - cpu_start, 0 if report.valid else 1, None


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--files", type=int, default=30)
    parser.add_argument("--kube-version", default="1.37")
    args = parser.parse_args()
    version = args.kube_version
    rows: list[tuple[str, float, float, int, float | None]] = []
    kv = shutil.which("kubernetes-validate", path=str(BIN)) or shutil.which("kubernetes-validate")
    with tempfile.TemporaryDirectory(prefix="djhelm-bench-") as tmp:
        folder = Path(tmp)
        paths = generate(folder, args.count, args.files)
        djhelm = [str(BIN / "djhelm"), "validate", str(folder), "-k", version, "--kubeconform-binary", "none"]
        rows.append(("djhelm validate (CLI, with rules)", *timed(djhelm)))
        assert rows[-1][3] == 0, "djhelm validate found problems in the generated manifests"
        rows.append(("djhelm validate --schema-only (CLI)", *timed([*djhelm, "--schema-only"])))
        sources = [Source(p.read_text(), str(p)) for p in paths]
        validate_documents(sources[:1], [version])  # warm the schema cache, as a long-lived process would
        rows.append(("djhelm core API, warm (in process)", *in_process(sources, version)))
        rows.append(("  same, jsonschema only (no pre-check)", *in_process(sources, version, precheck=False)))
        if kv:
            command = [kv, "--strict", "--quiet", "-k", f"{version}.0", *map(str, paths)]
            rows.append(("kubernetes-validate --strict (CLI)", *timed(command)))
    print(
        f"{args.count} objects in {len(paths)} files, Kubernetes {version}, python {sys.version.split()[0]}, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    header = f"{'tool':<38} {'wall s':>7} {'obj/s wall':>10} {'cpu s':>7} {'obj/s cpu':>10} {'exit':>5}"
    print(f"{header} {'max MB':>7}")
    for name, wall, cpu, code, peak in rows:
        rate_wall, rate_cpu = args.count / wall, args.count / cpu
        memory = f"{peak:>7.0f}" if peak is not None else f"{'-':>7}"
        print(f"{name:<38} {wall:>7.2f} {rate_wall:>10.0f} {cpu:>7.2f} {rate_cpu:>10.0f} {code:>5} {memory}")
    if kv:
        print(
            f"djhelm validate CLI vs kubernetes-validate: {rows[-1][1] / rows[0][1]:.1f}x (wall), "
            f"{rows[-1][2] / rows[0][2]:.1f}x (cpu)"
        )
    else:
        print("kubernetes-validate not installed (pip install -e '.[bench]'): no comparison")


if __name__ == "__main__":
    main()
