"""GitHub Actions workflow commands: one ::error / ::warning / ::notice line per finding."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from djhelm.safety.model import MigrationVerdict
from djhelm.safety.output.locate import display_path, line_of

_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(verdicts: Sequence[MigrationVerdict], base: Path) -> str:
    lines: list[str] = []
    for verdict in verdicts:
        path = display_path(verdict.path, base) or f"{verdict.app}/migrations/{verdict.name}.py"
        for finding in verdict.findings:
            line = line_of(verdict.path, finding.operation)
            title = f"{finding.rule} ({verdict.app}.{verdict.name}: {verdict.phase})"
            body = finding.message
            if finding.fix and finding.acknowledged is None:
                body += f"\nfix:\n{finding.fix}"
            lines.append(
                f"::{_LEVEL[finding.severity]} file={_escape_property(path)},line={line},"
                f"title={_escape_property(title)}::{_escape_data(body)}"
            )
    return "\n".join(lines) + ("\n" if lines else "")
