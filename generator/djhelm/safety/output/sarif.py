"""SARIF 2.1.0: one run, the rules djhelm knows, one result per finding located at its operation."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from djhelm import __version__
from djhelm.safety.model import MigrationVerdict
from djhelm.safety.output.locate import display_path, line_of
from djhelm.safety.registry import all_rule_ids

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def render(verdicts: Sequence[MigrationVerdict], base: Path) -> str:
    ids = all_rule_ids()
    rule_index = {rule_id: i for i, rule_id in enumerate(ids)}
    results: list[dict[str, Any]] = []
    for verdict in verdicts:
        path = display_path(verdict.path, base) or f"{verdict.app}/migrations/{verdict.name}.py"
        for finding in verdict.findings:
            text = finding.message + (f"\nfix:\n{finding.fix}" if finding.fix else "")
            result: dict[str, Any] = {
                "ruleId": finding.rule,
                "level": _LEVEL[finding.severity],
                "message": {"text": text},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": path},
                        "region": {"startLine": line_of(verdict.path, finding.operation)},
                    }
                }],
                "properties": {
                    "migration": f"{verdict.app}.{verdict.name}",
                    "phase": verdict.phase,
                    "operation": finding.operation,
                },
            }
            if finding.rule in rule_index:
                result["ruleIndex"] = rule_index[finding.rule]
            if finding.acknowledged is not None:
                result["suppressions"] = [{"kind": "inSource", "justification": finding.acknowledged}]
            results.append(result)
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "djhelm",
                    "version": __version__,
                    "informationUri": "https://github.com/djhelm/djhelm",
                    "rules": [
                        {"id": rule_id, "shortDescription": {"text": text}} for rule_id, text in ids.items()
                    ],
                }
            },
            "results": results,
        }],
    }
    return json.dumps(log, indent=2) + "\n"
