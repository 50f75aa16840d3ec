"""What rules need to know about workloads: which serve traffic, which migrate, which wait, which are hooks.

The conventions come from the charts djhelm renders (see the team preamble) but every check also accepts
hand-written charts: a migration Job is recognised by its label, its annotation or its command.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from djhelm.validation.model import ManifestObject
from djhelm.validation.rules.base import PodTemplate, RuleContext, command_words, dig, int_value, pod_template

COMPONENT = "app.kubernetes.io/component"
PHASE_ANNOTATION = "djhelm.dev/migration-phase"
GRACE_ANNOTATION = "djhelm.dev/graceful-timeout-seconds"
HOOK = "helm.sh/hook"
HOOK_WEIGHT = "helm.sh/hook-weight"
HOOK_DELETE = "helm.sh/hook-delete-policy"
DEFAULT_GRACE_PERIOD = 30  # Kubernetes' default terminationGracePeriodSeconds
GUNICORN_DEFAULT_GRACEFUL = 30  # gunicorn's --graceful-timeout default


def serving_workloads(ctx: RuleContext) -> list[tuple[ManifestObject, PodTemplate]]:
    """Deployments and StatefulSets that take traffic: a container port, the web component label, or pods a
    Service selects (declaring ports is optional: a Service reaches an undeclared port just the same)."""
    found: list[tuple[ManifestObject, PodTemplate]] = ctx.memo("serving", lambda: _serving_workloads(ctx))
    return found


def _serving_workloads(ctx: RuleContext) -> list[tuple[ManifestObject, PodTemplate]]:
    selectors = _service_selectors(ctx)
    result = []
    for obj in ctx.of_kind("Deployment", "StatefulSet"):
        template = pod_template(obj)
        if template is None:
            continue
        selected = any(selector.items() <= template.labels.items() for selector in selectors)
        # With the release's Services in view, a declared port that none of them selects is a health or
        # metrics port (Sentry's Kafka consumers declare one), not traffic; alone, a port is the best hint.
        if selected or is_web(obj, template) or (not selectors and has_ports(template)):
            result.append((obj, template))
    return result


def _service_selectors(ctx: RuleContext) -> list[dict[str, Any]]:
    selectors = []
    for service in ctx.of_kind("Service"):
        selector = dig(service.data, "spec", "selector")
        if isinstance(selector, dict) and selector:
            selectors.append({str(k): v for k, v in selector.items()})
    return selectors


def is_web(obj: ManifestObject, template: PodTemplate) -> bool:
    return obj.labels.get(COMPONENT) == "web" or template.labels.get(COMPONENT) == "web"


def has_ports(template: PodTemplate) -> bool:
    return any(container.get("ports") for _, container in template.containers())



def serving_containers(ctx: RuleContext, template: PodTemplate) -> list[tuple[int, dict[str, Any]]]:
    """Containers that take the Service's traffic: those declaring a port a selecting Service targets;
    else (no Service, or a target no container declares) every container that listens; when none declares
    a port (web label only), all of them. A metrics or proxy sidecar whose port no Service targets is not
    drained by the load balancer, so it needs no readiness gate or preStop of its own."""
    with_ports = [(i, c) for i, c in template.containers() if c.get("ports")]
    targets = _service_targets(ctx, template)
    targeted = [(i, c) for i, c in with_ports if targets & _declared_ports(c)]
    return targeted or with_ports or list(template.containers())


def _declared_ports(container: dict[str, Any]) -> set[str | int]:
    found: set[str | int] = set()
    ports = container.get("ports")
    for port in ports if isinstance(ports, list) else []:
        if isinstance(port, dict):
            if port.get("name"):
                found.add(str(port["name"]))
            number = int_value(port.get("containerPort"))
            if number is not None:
                found.add(number)
    return found


def _service_targets(ctx: RuleContext, template: PodTemplate) -> set[str | int]:
    """Ports (names or numbers) that Services selecting this pod send traffic to."""
    found: set[str | int] = set()
    for service in ctx.of_kind("Service"):
        selector = dig(service.data, "spec", "selector")
        if not isinstance(selector, dict) or not selector:
            continue
        if not {str(k): v for k, v in selector.items()}.items() <= template.labels.items():
            continue
        ports = dig(service.data, "spec", "ports")
        for port in ports if isinstance(ports, list) else []:
            if not isinstance(port, dict):
                continue
            target = port.get("targetPort", port.get("port"))
            number = int_value(target)
            if number is not None:
                found.add(number)
            elif isinstance(target, str):
                found.add(target)
    return found


def replicas(obj: ManifestObject) -> int:
    value = int_value(dig(obj.data, "spec", "replicas"))
    return 1 if value is None else value


ARGO_HOOK = "argocd.argoproj.io/hook"
ARGO_WAVE = "argocd.argoproj.io/sync-wave"
ARGO_DELETE = "argocd.argoproj.io/hook-delete-policy"
# Argo CD runs PreSync hooks before applying the regular resources and PostSync hooks once they are
# healthy: for ordering and deadlocks they behave as Helm's pre-* and post-* hooks.
_ARGO_EVENTS = {
    "PreSync": ("pre-install", "pre-upgrade"),
    "PostSync": ("post-install", "post-upgrade"),
    "Sync": ("sync",),
    "SyncFail": ("sync-fail",),
    "Skip": ("skip",),
}
_ARGO_POLICIES = {
    "BeforeHookCreation": "before-hook-creation",
    "HookSucceeded": "hook-succeeded",
    "HookFailed": "hook-failed",
}


@dataclass(frozen=True)
class Hook:
    events: frozenset[str]
    weight: int
    delete_policies: frozenset[str]
    system: str = "helm"  # or "argocd"


def helm_hook(obj: ManifestObject) -> Hook | None:
    """The object's hook: Helm's annotations, else Argo CD's mapped to Helm's events; None if neither."""
    raw = obj.annotations.get(HOOK)
    if not isinstance(raw, str) or not raw.strip():
        return _argo_hook(obj)
    events = frozenset(part.strip() for part in raw.split(",") if part.strip())
    weight = int_value(obj.annotations.get(HOOK_WEIGHT))
    policies_raw = obj.annotations.get(HOOK_DELETE)
    policies = (
        frozenset(p.strip() for p in policies_raw.split(",") if p.strip())
        if isinstance(policies_raw, str)
        else frozenset({"before-hook-creation"})
    )
    return Hook(events, 0 if weight is None else weight, policies)


def _argo_hook(obj: ManifestObject) -> Hook | None:
    raw = obj.annotations.get(ARGO_HOOK)
    if not isinstance(raw, str) or not raw.strip():
        return None
    events = frozenset(
        event for part in raw.split(",") for event in _ARGO_EVENTS.get(part.strip(), (part.strip().lower(),))
    )
    weight = int_value(obj.annotations.get(ARGO_WAVE))
    policies_raw = obj.annotations.get(ARGO_DELETE)
    policies = (
        frozenset(
            _ARGO_POLICIES.get(p.strip(), p.strip().lower()) for p in policies_raw.split(",") if p.strip()
        )
        if isinstance(policies_raw, str)
        else frozenset({"before-hook-creation"})
    )
    return Hook(events, 0 if weight is None else weight, policies, system="argocd")


def migration_phase(obj: ManifestObject) -> str | None:
    """pre, post or all for a Job (or Pod) that runs Django migrations; None for anything else."""
    if obj.kind not in ("Job", "Pod"):
        return None
    template = pod_template(obj)
    command_phase = None
    if template is not None:
        for _, container in template.containers():
            command_phase = command_phase or _phase_of_command(command_words(container))
    annotated = obj.annotations.get(PHASE_ANNOTATION)
    if template is not None and not isinstance(annotated, str):
        annotated = template.annotations.get(PHASE_ANNOTATION)
    if isinstance(annotated, str) and annotated in ("pre", "post", "all"):
        return annotated
    if command_phase:
        return command_phase
    if obj.labels.get(COMPONENT) == "migrations":
        return "all"
    return None


def command_phase(obj: ManifestObject) -> str | None:
    """The phase the Job's command runs, regardless of annotations."""
    template = pod_template(obj)
    if template is None:
        return None
    for _, container in template.containers():
        phase = _phase_of_command(command_words(container))
        if phase:
            return phase
    return None


def _phase_of_command(words: list[str]) -> str | None:
    if "migrate_phase" in words:
        index = words.index("migrate_phase")
        action = words[index + 1] if index + 1 < len(words) else ""
        return action if action in ("pre", "post") else None
    runs_django = "manage.py" in " ".join(words) or "django-admin" in words
    if "migrate" in words and "--check" not in words and runs_django:
        return "all"
    return None


@dataclass(frozen=True)
class Waiter:
    obj: ManifestObject
    container_path: tuple[str | int, ...]
    # "pre": waits only for the expand phase (migrate_phase wait); "all": every migration (migrate --check)
    waits_for: str


def waiters(ctx: RuleContext) -> list[Waiter]:
    """Long-running workloads whose pods block until migrations are applied (init container)."""
    found: list[Waiter] = ctx.memo("waiters", lambda: _waiters(ctx))
    return found


def _waiters(ctx: RuleContext) -> list[Waiter]:
    result = []
    for obj in ctx.of_kind("Deployment", "StatefulSet", "DaemonSet"):
        template = pod_template(obj)
        if template is None:
            continue
        for index, container in template.containers(init=True):
            words = command_words(container)
            if "migrate_phase" in words and "wait" in words:
                waits_for = "pre"
            elif ("migrate" in words and "--check" in words) or container.get(
                "name"
            ) == "wait-for-migrations":
                waits_for = "all"
            else:
                continue
            result.append(Waiter(obj, template.container_path(index, init=True), waits_for))
    return result


def prestop_seconds(container: dict[str, Any]) -> tuple[int | None, str]:
    """(seconds, how) for the container's preStop: sleep action, exec sleep N, or (None, reason)."""
    prestop = dig(container, "lifecycle", "preStop")
    if not isinstance(prestop, dict):
        return None, "missing"
    sleep = prestop.get("sleep")
    if isinstance(sleep, dict):
        return int_value(sleep.get("seconds")), "sleep"
    command = dig(prestop, "exec", "command")
    if isinstance(command, list):
        words = [w for item in command for w in str(item).replace(";", " ").replace("&&", " ").split()]
        for position, word in enumerate(words):
            if word.rsplit("/", 1)[-1] == "sleep" and position + 1 < len(words):
                value = int_value(words[position + 1])
                if value is not None:
                    return value, "exec"
        return None, "exec-unknown"
    return None, "other"


def graceful_timeout(template: PodTemplate, container: dict[str, Any]) -> tuple[int | None, str]:
    """The server's drain time: annotation, gunicorn/uvicorn/granian flags, or gunicorn's default; None if
    unknown."""
    annotated = int_value(template.annotations.get(GRACE_ANNOTATION))
    if annotated is None:
        annotated = int_value(template.owner.annotations.get(GRACE_ANNOTATION))
    if annotated is not None:
        return annotated, f"annotation {GRACE_ANNOTATION}"
    words = command_words(container)
    for flag in ("--graceful-timeout", "--timeout-graceful-shutdown", "--workers-kill-timeout"):
        for position, word in enumerate(words):
            if word == flag and position + 1 < len(words):
                value = int_value(words[position + 1])
                if value is not None:
                    return value, flag
            if word.startswith(flag + "="):
                value = int_value(word.split("=", 1)[1])
                if value is not None:
                    return value, flag
    if any(w.rsplit("/", 1)[-1] == "gunicorn" for w in words):
        return GUNICORN_DEFAULT_GRACEFUL, "gunicorn default"
    return None, "unknown"


def grace_period(template: PodTemplate) -> int:
    value = int_value(template.spec.get("terminationGracePeriodSeconds"))
    return DEFAULT_GRACE_PERIOD if value is None else value
