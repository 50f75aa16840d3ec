"""`djhelm validate` as one call: what to read (a chart rendered per version, manifests, stdin), the
schemas and rules per version, kubeconform beside them when asked. The CLI parses and prints; this decides."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from djhelm.errors import InputError, Problem
from djhelm.validation.core import Source, resolve_versions, validate_per_version
from djhelm.validation.helm import find_helm, render_chart
from djhelm.validation.inputs import is_chart, read_manifests
from djhelm.validation.kubeconform import find_kubeconform, run_kubeconform
from djhelm.validation.model import Report
from djhelm.validation.schemas import default_versions


@dataclass(frozen=True)
class ValidateRequest:
    path: str  # chart directory, manifest file or folder, or "-" for stdin
    kube_versions: Sequence[str] = ()  # empty: the defaults
    strict_kinds: bool = False
    schema_only: bool = False
    helm_binary: str = "helm"
    values: Sequence[Path] = ()
    set_values: Sequence[str] = ()
    release_name: str = "release"
    namespace: str | None = None
    kubeconform: str = "kubeconform"  # "none" to skip


def validate_path(request: ValidateRequest) -> Report:
    versions = resolve_versions(list(request.kube_versions) or list(default_versions()))
    target = Path(request.path)
    sources: dict[str, list[Source]]
    if request.path != "-" and is_chart(target):
        helm = find_helm(request.helm_binary)
        sources = {
            version: [render_chart(helm, target, version, request.values, request.release_name,
                                   request.namespace, request.set_values)]
            for version in versions
        }
    else:
        if request.values or request.set_values:
            raise InputError(Problem(
                request.path, "--values and --set apply to chart directories only (this is not one)",
                fix="pass a chart directory (with Chart.yaml), or drop --values/--set",
            ))
        manifests = read_manifests(request.path, sys.stdin)
        sources = {version: manifests for version in versions}
    report = validate_per_version(sources, strict_kinds=request.strict_kinds, rules=not request.schema_only,
                                  label=request.path)
    if not report.objects and all(f.rule == "K8S006" for f in report.findings):
        # Nothing to validate is a broken pipeline (helm failed, wrong folder), not a pass.
        raise InputError(Problem(
            "<stdin>" if request.path == "-" else request.path, "no Kubernetes objects in the input",
            fix="check the path, or that the command piping into djhelm validate succeeded",
        ))
    binary = None if request.kubeconform == "none" else find_kubeconform(request.kubeconform)
    if binary is not None:
        for version in versions:
            report.findings.extend(run_kubeconform(binary, sources[version], version))
        report.sort()
    return report
