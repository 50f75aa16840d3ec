"""What a rule is, how it registers, and what it can read: every object of the manifest set on one version."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from djhelm.fieldpath import dotted as render_path
from djhelm.shell import shell_commands as split_shell
from djhelm.validation.model import Finding, Labelled, ManifestObject, Severity

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: Severity  # the severity of a plain violation; a rule may report info when it cannot decide
    why: str
    check: Callable[[RuleContext], Iterable[Finding]]


REGISTRY: dict[str, Rule] = {}


Check = Callable[["RuleContext"], Iterable[Finding]]


def rule(id: str, title: str, severity: Severity, why: str) -> Callable[[Check], Check]:
    """Register a check function as a rule; ids must be unique."""

    def register(check: Check) -> Check:
        if id in REGISTRY:
            raise RuntimeError(f"rule id {id} registered twice")
        REGISTRY[id] = Rule(id=id, title=title, severity=severity, why=why, check=check)
        return check

    return register


@dataclass(frozen=True)
class PodTemplate(Labelled):
    """The pod spec inside a workload, and the field path that leads to it."""

    owner: ManifestObject
    spec: dict[str, Any]
    path: Path
    metadata: dict[str, Any]

    def containers(self, init: bool = False) -> Iterator[tuple[int, dict[str, Any]]]:
        items = self.spec.get("initContainers" if init else "containers")
        if isinstance(items, list):
            for index, container in enumerate(items):
                if isinstance(container, dict):
                    yield index, container

    def container_path(self, index: int, init: bool = False) -> Path:
        return (*self.path, "initContainers" if init else "containers", index)



_TEMPLATE_PATHS: dict[str, Path] = {
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}


def dig(data: Any, *path: str | int) -> Any:
    for step in path:
        if isinstance(step, int):
            if not isinstance(data, list) or not 0 <= step < len(data):
                return None
        elif not isinstance(data, dict):
            return None
        data = data[step] if isinstance(step, int) else data.get(step)
    return data


def pod_template(obj: ManifestObject) -> PodTemplate | None:
    if obj.kind == "Pod":
        spec = obj.data.get("spec")
        return PodTemplate(obj, spec, ("spec",), obj.metadata) if isinstance(spec, dict) else None
    path = _TEMPLATE_PATHS.get(obj.kind)
    if path is None:
        return None
    template = dig(obj.data, *path)
    if not isinstance(template, dict) or not isinstance(template.get("spec"), dict):
        return None
    metadata = template.get("metadata")
    return PodTemplate(obj, template["spec"], (*path, "spec"), metadata if isinstance(metadata, dict) else {})


def command_words(container: dict[str, Any]) -> list[str]:
    """command + args as words; shell strings (sh -c "...") are split on whitespace."""
    words: list[str] = []
    for key in ("command", "args"):
        value = container.get(key)
        if isinstance(value, list):
            for item in value:
                words.extend(str(item).split())
    return words


def shell_commands(container: dict[str, Any]) -> list[list[str]]:
    """command + args as the simple commands a shell would run: `sh -c "a --check; b"` is two commands, so a
    flag of one is never read as a flag of the other. A line the shell splitter cannot read (an unbalanced
    quote) stays one command of whitespace-split words."""
    text = " ".join(str(item) for key in ("command", "args")
                    if isinstance(container.get(key), list) for item in container[key])
    return split_shell(text) or ([text.split()] if text.split() else [])


def int_value(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


class RuleContext:
    """Every object of one manifest set, as seen on one Kubernetes version, with shared lookups."""

    def __init__(self, objects: list[ManifestObject], kube_version: str) -> None:
        self.objects = objects
        self.kube_version = kube_version
        self._by_name: dict[tuple[str, str], ManifestObject] = {}
        for obj in objects:
            self._by_name.setdefault((obj.kind, obj.name), obj)
        self._memo: dict[str, Any] = {}

    def memo(self, key: str, compute: Callable[[], Any]) -> Any:
        """Compute a lookup several rules share (serving workloads, waiters) once per manifest set."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def minor(self) -> int:
        return int(self.kube_version.split(".")[1])

    def of_kind(self, *kinds: str) -> Iterator[ManifestObject]:
        return (o for o in self.objects if o.kind in kinds)

    def find(self, kind: str, name: str) -> ManifestObject | None:
        return self._by_name.get((kind, name))

    def finding(
        self,
        rule_id: str,
        severity: Severity,
        obj: ManifestObject,
        message: str,
        fix: str = "",
        path: Path = (),
    ) -> Finding:
        return Finding(
            rule=rule_id,
            severity=severity,
            message=f"{obj.ref}: {message}",
            fix=fix,
            location=obj.locate(path),
            kube_version=self.kube_version,
            path=render_path(path),
            object_ref=obj.ref,
            api_version=obj.api_version,
            kind=obj.kind,
            name=obj.name,
        )
