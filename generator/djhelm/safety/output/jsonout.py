"""The json contract: {"migrations": [{"app", "name", "phase", "findings": [...], "path"}]}."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from djhelm.safety.model import Finding, MigrationVerdict
from djhelm.safety.output.locate import display_path, line_of


def finding_dict(finding: Finding, path: str | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "rule": finding.rule,
        "severity": finding.severity,
        "operation": finding.operation,
        "message": finding.message,
        "fix": finding.fix,
        "effect": finding.effect,
        "line": line_of(path, finding.operation) if path else None,
    }
    if finding.acknowledged is not None:
        data["acknowledged"] = finding.acknowledged
    return data


def verdict_dict(verdict: MigrationVerdict, base: Path) -> dict[str, Any]:
    return {
        "app": verdict.app,
        "name": verdict.name,
        "phase": verdict.phase,
        "findings": [finding_dict(f, verdict.path) for f in verdict.findings],
        "path": display_path(verdict.path, base),
        "declared": verdict.declared,
        "operations": list(verdict.operations),
    }


def render(verdicts: Sequence[MigrationVerdict], base: Path) -> str:
    payload = {"migrations": [verdict_dict(v, base) for v in verdicts]}
    return json.dumps(payload, indent=2, sort_keys=False) + "\n"
