"""What a rehearsal reads from a release's rendered chart (`helm template`, values included): the web
Deployment's pods and rollout parameters, the migration Jobs and when Helm would run them, the ConfigMaps."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from djhelm.errors import RehearsalError

DEFAULT_GRACE_SECONDS = 30  # Kubernetes' terminationGracePeriodSeconds default
_SLEEP = re.compile(r"^(?:exec\s+)?sleep\s+(\d+(?:\.\d+)?)$")


@dataclass(frozen=True)
class Probe:
    """One probe as the kubelet runs it (Kubernetes' defaults where the spec says nothing)."""

    path: str
    port: int | str
    host: str | None  # the httpHeaders Host, None: the kubelet sends the pod IP
    period: float = 10
    initial_delay: float = 0
    timeout: float = 1
    failure_threshold: int = 3
    success_threshold: int = 1


@dataclass(frozen=True)
class Container:
    name: str
    argv: list[str]
    env: list[dict[str, Any]]
    env_from: list[dict[str, Any]]
    ports: dict[str, int] = field(default_factory=dict)
    startup: Probe | None = None
    readiness: Probe | None = None
    liveness: Probe | None = None
    pre_stop_seconds: float = 0
    mounts: dict[str, str] = field(default_factory=dict)  # volume name -> mountPath


@dataclass(frozen=True)
class Workload:
    """A Deployment: its pod template and how a rolling update replaces its pods."""

    name: str
    component: str
    replicas: int
    max_surge: int
    max_unavailable: int
    min_ready_seconds: float
    grace_seconds: float
    init_containers: list[Container]
    container: Container  # the one that runs the app (named like the component, else the first)


@dataclass(frozen=True)
class Job:
    name: str
    phase: str  # djhelm.dev/migration-phase: all | pre | post
    # when it runs relative to the Deployments' update: "before" (a pre-install/pre-upgrade hook or Argo CD
    # PreSync), "with" (a plain Job applied with them), "after" (post-* hook or PostSync)
    when: str
    containers: list[Container]  # init containers first, in order
    backoff_limit: int = 6  # Kubernetes' default: failed pods retried this many times


@dataclass(frozen=True)
class Manifests:
    config_maps: dict[str, dict[str, str]]
    web: Workload
    jobs: list[Job]
    strategy: str


def _int_or_percent(value: Any, total: int, round_up: bool) -> int:
    if isinstance(value, int):
        return value
    text = str(value)
    if text.endswith("%"):
        share = total * float(text[:-1]) / 100
        return math.ceil(share) if round_up else math.floor(share)
    return int(text)


def _probe(spec: dict[str, Any] | None, ports: dict[str, int]) -> Probe | None:
    if not spec or "httpGet" not in spec:
        return None
    get = spec["httpGet"]
    headers = {h["name"].lower(): h["value"] for h in get.get("httpHeaders", [])}
    port = get.get("port", 80)
    return Probe(
        path=str(get.get("path", "/")),
        port=ports.get(port, port) if isinstance(port, str) else int(port),
        host=headers.get("host"),
        period=float(spec.get("periodSeconds", 10)),
        initial_delay=float(spec.get("initialDelaySeconds", 0)),
        timeout=float(spec.get("timeoutSeconds", 1)),
        failure_threshold=int(spec.get("failureThreshold", 3)),
        success_threshold=int(spec.get("successThreshold", 1)),
    )


def _pre_stop_seconds(container: dict[str, Any]) -> float:
    pre_stop = container.get("lifecycle", {}).get("preStop") or {}
    if "sleep" in pre_stop:
        return float(pre_stop["sleep"].get("seconds", 0))
    command = " ".join(str(word) for word in pre_stop.get("exec", {}).get("command", []))
    command = command.removeprefix("/bin/").removeprefix("sh -c ").strip("'\" ")
    match = _SLEEP.match(command)
    return float(match.group(1)) if match else 0


def _container(spec: dict[str, Any]) -> Container:
    ports = {p.get("name", str(p["containerPort"])): int(p["containerPort"]) for p in spec.get("ports", [])}
    return Container(
        name=str(spec["name"]),
        argv=[str(word) for word in spec.get("command", []) + spec.get("args", [])],
        env=list(spec.get("env", [])),
        env_from=list(spec.get("envFrom", [])),
        ports=ports,
        startup=_probe(spec.get("startupProbe"), ports),
        readiness=_probe(spec.get("readinessProbe"), ports),
        liveness=_probe(spec.get("livenessProbe"), ports),
        pre_stop_seconds=_pre_stop_seconds(spec),
        mounts={str(m["name"]): str(m["mountPath"]) for m in spec.get("volumeMounts", [])},
    )


def _when(annotations: dict[str, str]) -> str:
    hooks = annotations.get("helm.sh/hook", "") + "," + annotations.get("argocd.argoproj.io/hook", "")
    if "pre-install" in hooks or "pre-upgrade" in hooks or "PreSync" in hooks:
        return "before"
    if "post-install" in hooks or "post-upgrade" in hooks or "PostSync" in hooks:
        return "after"
    return "with"


def read_manifests(text: str, source: str) -> Manifests:
    docs = [doc for doc in yaml.safe_load_all(text) if isinstance(doc, dict)]
    config_maps = {
        doc["metadata"]["name"]: {str(k): str(v) for k, v in (doc.get("data") or {}).items()}
        for doc in docs
        if doc.get("kind") == "ConfigMap"
    }
    web: Workload | None = None
    jobs: list[Job] = []
    # an autoscaled Deployment has no replicas of its own: it starts at the HPA's minReplicas
    scaled = {
        doc["spec"]["scaleTargetRef"]["name"]: int(doc["spec"].get("minReplicas", 1))
        for doc in docs
        if doc.get("kind") == "HorizontalPodAutoscaler"
    }
    for doc in docs:
        metadata = doc.get("metadata", {})
        annotations = metadata.get("annotations") or {}
        if doc.get("kind") == "Deployment":
            template = doc["spec"]["template"]
            component = template["metadata"].get("labels", {}).get("app.kubernetes.io/component", "")
            if component != "web":
                continue
            web = _workload(doc, component, scaled.get(metadata["name"]))
        elif doc.get("kind") == "Job" and "djhelm.dev/migration-phase" in annotations:
            pod = doc["spec"]["template"]["spec"]
            jobs.append(
                Job(
                    metadata["name"],
                    annotations["djhelm.dev/migration-phase"],
                    _when(annotations),
                    [_container(c) for c in pod.get("initContainers", []) + pod["containers"]],
                    int(doc["spec"].get("backoffLimit", 6)),
                )
            )
    if web is None:
        raise RehearsalError(
            f"{source}: the rendered chart has no web Deployment (app.kubernetes.io/component: web)"
        )
    strategy = "hook" if any(j.when == "before" for j in jobs) else ("job" if jobs else "none")
    return Manifests(config_maps, web, jobs, strategy)


def _workload(doc: dict[str, Any], component: str, autoscaled: int | None) -> Workload:
    spec = doc["spec"]
    pod = spec["template"]["spec"]
    replicas = int(spec.get("replicas", autoscaled or 1))
    rolling = (spec.get("strategy") or {}).get("rollingUpdate") or {}
    containers = [_container(c) for c in pod["containers"]]
    main = next((c for c in containers if c.name == component), containers[0])
    return Workload(
        name=doc["metadata"]["name"],
        component=component,
        replicas=replicas,
        # Kubernetes rounds maxSurge up and maxUnavailable down; both 0 is refused by the API server
        max_surge=_int_or_percent(rolling.get("maxSurge", "25%"), replicas, round_up=True),
        max_unavailable=_int_or_percent(rolling.get("maxUnavailable", "25%"), replicas, round_up=False),
        min_ready_seconds=float(spec.get("minReadySeconds", 0)),
        grace_seconds=float(pod.get("terminationGracePeriodSeconds", DEFAULT_GRACE_SECONDS)),
        init_containers=[_container(c) for c in pod.get("initContainers", [])],
        container=main,
    )
