"""Run kubeconform -strict as a second opinion when it is on PATH (optional; djhelm does not need it).

kubeconform would download schemas from the network by default; djhelm stays offline by writing, for the
kinds present, standalone strict schemas from its own vendored definitions into a temporary directory and
pointing -schema-location at it. Its results become K8S005 findings.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from djhelm.validation.core import Source
from djhelm.validation.loader import parse_manifests
from djhelm.validation.model import Finding, Location
from djhelm.validation.schemas import schema_set

# a second opinion must not hang the first: a stuck kubeconform becomes a warning, not a stalled CI job
KUBECONFORM_TIMEOUT_SECONDS = 300

_STATUS_SEVERITY = {"statusInvalid": "error", "statusError": "error"}


def find_kubeconform(binary: str) -> str | None:
    return shutil.which(binary)


def _kind_suffix(api_version: str) -> str:
    """kubeconform's {{ .KindSuffix }}: -<first group label>-<version>, or -<version> for the core group."""
    parts = api_version.split("/")
    suffix = "-" + parts[0].split(".")[0].lower()
    if len(parts) > 1:
        suffix += "-" + parts[1].lower()
    return suffix


def _closure(definitions: dict[str, Any], start: str) -> dict[str, Any]:
    """The definitions reachable from ``start`` (a standalone schema carries only what it uses)."""
    seen: dict[str, Any] = {}
    pending = [start]
    while pending:
        name = pending.pop()
        if name in seen or name not in definitions:
            continue
        seen[name] = definitions[name]
        stack: list[Any] = [definitions[name]]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                ref = node.get("$ref")
                if isinstance(ref, str) and ref.startswith("#/$defs/"):
                    pending.append(ref[len("#/$defs/") :])
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
    return seen


def write_schemas(folder: Path, sources: Sequence[Source], version: str) -> None:
    schemas = schema_set(version)
    for source in sources:
        for obj in parse_manifests(source.text, source.name, helm_sources=source.helm_output).objects:
            lookup = schemas.lookup(obj.api_version, obj.kind)
            if lookup.definition is None:
                continue
            target = folder / f"{obj.kind.lower()}{_kind_suffix(obj.api_version)}.json"
            if target.exists():
                continue
            schema = {
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "$ref": f"#/$defs/{lookup.definition}",
                "$defs": _closure(schemas.definitions, lookup.definition),
            }
            target.write_text(json.dumps(schema, sort_keys=True))


def run_kubeconform(binary: str, sources: Sequence[Source], version: str) -> list[Finding]:
    with tempfile.TemporaryDirectory(prefix="djhelm-kubeconform-") as tmp:
        folder = Path(tmp)
        (folder / "schemas").mkdir()
        write_schemas(folder / "schemas", sources, version)
        inputs = []
        for index, source in enumerate(sources):
            path = folder / f"input-{index:04d}.yaml"
            path.write_text(source.text)
            inputs.append((path, source.name))
        command = [
            binary,
            "-strict",
            "-summary",
            "-output",
            "json",
            "-kubernetes-version",
            f"{version}.0",
            "-schema-location",
            str(folder / "schemas" / "{{ .ResourceKind }}{{ .KindSuffix }}.json"),
            *[str(p) for p, _ in inputs],
        ]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=KUBECONFORM_TIMEOUT_SECONDS, check=False
            )
        except OSError as error:
            return [_tool_finding(f"kubeconform could not run: {error.strerror}", version)]
        except subprocess.TimeoutExpired:
            message = f"kubeconform did not finish in {KUBECONFORM_TIMEOUT_SECONDS} s: no second opinion"
            return [_tool_finding(message, version)]
        names = {str(p): name for p, name in inputs}
        return _parse_output(done.stdout, done.stderr, names, version)


def _parse_output(stdout: str, stderr: str, names: dict[str, str], version: str) -> list[Finding]:
    try:
        payload = json.loads(stdout) if stdout.strip() else {"resources": []}
    except json.JSONDecodeError:
        return [_tool_finding(f"kubeconform output is not JSON: {(stdout or stderr).strip()[:200]}", version)]
    findings = []
    for resource in payload.get("resources") or []:
        severity = _STATUS_SEVERITY.get(resource.get("status", ""))
        if severity is None:
            continue
        file = names.get(resource.get("filename", ""), resource.get("filename", ""))
        kind, name = resource.get("kind", ""), resource.get("name", "")
        findings.append(
            Finding(
                rule="K8S005",
                severity=severity,  # type: ignore[arg-type]
                message=f"kubeconform: {kind}/{name}: {resource.get('msg', '')}".strip(),
                fix="see the schema error above",
                location=Location(file),
                kube_version=version,
                object_ref=f"{kind}/{name}",
                api_version=resource.get("version", ""),
                kind=kind,
                name=name,
            )
        )
    return findings


def _tool_finding(message: str, version: str) -> Finding:
    return Finding(
        rule="K8S005",
        severity="warning",
        message=message,
        location=Location("kubeconform"),
        kube_version=version,
    )
