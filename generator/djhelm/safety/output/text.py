"""Human-readable report, grouped by migration, with each fix shown as code."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from djhelm.safety.model import MigrationVerdict
from djhelm.safety.output.locate import display_path, line_of


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line if line else line for line in text.splitlines())


def render(verdicts: Sequence[MigrationVerdict], base: Path) -> str:
    out: list[str] = []
    for verdict in verdicts:
        declared = f" (declared {verdict.declared})" if verdict.declared else ""
        out.append(f"{verdict.app}.{verdict.name}: {verdict.phase}{declared}")
        path = display_path(verdict.path, base)
        for finding in verdict.findings:
            where = f"{path}:{line_of(verdict.path, finding.operation)}" if path else ""
            op = f"operation {finding.operation}" if finding.operation is not None else "migration"
            out.append(f"  {finding.severity} [{finding.rule}] {op} ({where})")
            out.append(_indent(finding.message, "    "))
            if finding.acknowledged is not None:
                out.append(f"    acknowledged: {finding.acknowledged}")
            elif finding.fix:
                out.append("    fix:")
                out.append(_indent(finding.fix, "      "))
    counts = Counter(v.phase for v in verdicts)
    out.append(
        f"{len(verdicts)} migration(s) judged: {counts['pre']} pre, {counts['post']} post, "
        f"{counts['blocked']} blocked"
    )
    return "\n".join(out) + "\n"
