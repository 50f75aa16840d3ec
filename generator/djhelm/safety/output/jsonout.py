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
    """One migration per line: readable, diffable, and written by json's C encoder (an indented dump
    goes through its pure-Python one, a tenth of a second on a long history)."""
    if not verdicts:
        return '{"migrations": []}\n'
    lines = ",\n".join(f"  {json.dumps(verdict_dict(v, base))}" for v in verdicts)
    return '{"migrations": [\n' + lines + "\n]}\n"
