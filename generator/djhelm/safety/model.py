"""What the migration checker says about a migration. Shared by the CLI and by djhelm.runtime.

Imports only the standard library: djhelm.runtime runs inside the user's image with Django alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Phase = Literal["pre", "post", "blocked"]
Severity = Literal["error", "warning", "info"]
# What one operation needs: "pre" must run before new code serves, "post" only once old code is gone,
# "blocked" is unsafe as written, "any" emits no SQL and fits either phase.
Effect = Literal["pre", "post", "blocked", "any"]


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    operation: int | None
    message: str
    fix: str = ""
    # The phase this finding forces on its operation; None = a remark that does not move the phase.
    effect: Phase | None = None
    # The reason from the migration's ``djhelm_ack`` when the author acknowledged this rule.
    acknowledged: str | None = None
    # The phase the operation falls back to when the author acknowledges this finding (e.g. a blocked
    # RemoveField is still a post-deploy removal once acknowledged). None = the operation's baseline.
    effect_when_acknowledged: Phase | None = None


@dataclass(frozen=True)
class MigrationVerdict:
    app: str
    name: str
    phase: Phase
    findings: tuple[Finding, ...] = field(default_factory=tuple)
    path: str | None = None
    # The phase declared in the migration file (djhelm_phase or django-safemigrate's ``safe``), if any.
    declared: str | None = None
    # What each operation needs, in order ("any" = emits no SQL), before acknowledgements.
    operations: tuple[Effect, ...] = ()

    @property
    def key(self) -> tuple[str, str]:
        return (self.app, self.name)

    @property
    def emits_sql(self) -> bool:
        """False when every operation emits no SQL (an empty migration too): it fits either phase."""
        return any(effect != "any" for effect in self.operations)
