"""ZD011: a migration Job that is not a hook has a name that changes with its content."""

from __future__ import annotations

import re
from collections.abc import Iterator

from djhelm.validation.model import Finding
from djhelm.validation.rules.base import RuleContext, rule
from djhelm.validation.rules.workloads import helm_hook, migration_phase

_HASHED = re.compile(r"-[0-9a-f]{6,}$")


@rule(
    "ZD011",
    "a non-hook migration Job has a content-hash name",
    "warning",
    "A Job's pod template is immutable: a plain Job with a fixed name makes the next helm upgrade that "
    "changes its image fail with 'field is immutable'.",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    for obj in ctx.of_kind("Job"):
        if migration_phase(obj) is None or helm_hook(obj) is not None:
            continue
        if not _HASHED.search(obj.name):
            yield ctx.finding(
                "ZD011",
                "warning",
                obj,
                "plain (non-hook) migration Job with a fixed name: the next upgrade that changes it "
                "fails with 'field is immutable'",
                "make it a Helm hook, or append a hash of its spec to the name",
                ("metadata", "name"),
            )
