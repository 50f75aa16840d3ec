"""What the migration checker says about a migration. Shared by the CLI and by djhelm.runtime.

Imports only the standard library: djhelm.runtime runs inside the user's image with Django alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Phase = Literal["pre", "post", "blocked"]
Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    operation: int | None
    message: str
    fix: str = ""


@dataclass(frozen=True)
class MigrationVerdict:
    app: str
    name: str
    phase: Phase
    findings: tuple[Finding, ...] = field(default_factory=tuple)
    path: str | None = None
