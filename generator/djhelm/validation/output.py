"""Turn a Report into text or JSON (strings only; the CLI prints them). Same report, same bytes."""

from __future__ import annotations

import json
from typing import Any

from djhelm.validation.model import Finding, Report

JSON_SCHEMA_VERSION = 1


def distinct_objects(report: Report) -> int:
    """Objects in the input; ``report.objects`` holds one result per object and Kubernetes version."""
    return len({(o.location, o.kind, o.name) for o in report.objects})


def to_json(report: Report) -> str:
    """The documented --format json contract (docs/validate.md); fields are only ever added."""
    payload: dict[str, Any] = {
        "schemaVersion": JSON_SCHEMA_VERSION,
        "source": report.source,
        "kubeVersions": list(report.kube_versions),
        "valid": report.valid,
        "summary": {
            "objects": len(report.objects),
            "distinctObjects": distinct_objects(report),
            "errors": report.errors,
            "warnings": report.warnings,
            "infos": report.infos,
        },
        "objects": [
            {
                "kubeVersion": o.kube_version,
                "apiVersion": o.api_version,
                "kind": o.kind,
                "name": o.name,
                "namespace": o.namespace,
                "status": o.status,
                "location": o.location.to_json(),
            }
            for o in report.objects
        ],
        "findings": [_finding_json(f) for f in report.findings],
    }
    return json.dumps(payload, indent=2, sort_keys=False) + "\n"


def _finding_json(finding: Finding) -> dict[str, Any]:
    return {
        "rule": finding.rule,
        "severity": finding.severity,
        "message": finding.message,
        "fix": finding.fix,
        "kubeVersion": finding.kube_version,
        "location": finding.location.to_json(),
        "path": finding.path,
        "object": {"apiVersion": finding.api_version, "kind": finding.kind, "name": finding.name}
        if finding.kind
        else None,
    }


def to_text(report: Report) -> str:
    """One block per finding; a finding identical on several versions is shown once with all of them."""
    merged: dict[tuple[Any, ...], list[str]] = {}
    order: list[tuple[Any, ...]] = []
    for finding in report.findings:
        key = (finding.location, finding.severity, finding.rule, finding.message, finding.fix)
        if key not in merged:
            merged[key] = []
            order.append(key)
        if finding.kube_version:
            merged[key].append(finding.kube_version)
    lines = []
    for key in order:
        location, severity, rule, message, fix = key
        versions = merged[key]
        tag = f" [k8s {', '.join(versions)}]" if versions else ""
        lines.append(_one_line(f"{location.render()}: {severity} {rule}{tag}: {message}"))
        if fix:
            lines.append(_one_line(f"  fix: {fix}"))
    objects = distinct_objects(report)
    verdict = "valid" if report.valid else "INVALID"
    lines.append(
        f"{verdict}: {objects} object(s) x {len(report.kube_versions)} version(s) = {len(report.objects)} "
        f"checked on Kubernetes {', '.join(report.kube_versions)}: "
        f"{report.errors} error(s), {report.warnings} warning(s), {report.infos} info"
    )
    return "\n".join(lines) + "\n"


def _one_line(text: str) -> str:
    # Messages quote names and values from the input: a newline there would forge a line of output, an
    # escape sequence would drive the terminal. Show such characters escaped instead.
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)
