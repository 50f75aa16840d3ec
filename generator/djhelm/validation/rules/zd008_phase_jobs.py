"""ZD008: expand (pre) migrations run before the rollout, contract (post) migrations only after it."""

from __future__ import annotations

from collections.abc import Iterator

from djhelm.validation.model import Finding
from djhelm.validation.rules.base import RuleContext, rule
from djhelm.validation.rules.workloads import PHASE_ANNOTATION, command_phase, helm_hook, migration_phase

_PRE = frozenset({"pre-install", "pre-upgrade"})
_POST = frozenset({"post-install", "post-upgrade"})


@rule(
    "ZD008",
    "phase Jobs run at the right moment: migrate_phase pre before, post after the rollout",
    "error",
    "Contract migrations (drop a column, table, index) break the old pods that still serve during the "
    "rollout; expand migrations applied after the rollout leave the new code running on the old schema.",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    for obj in ctx.of_kind("Job", "Pod"):
        phase = migration_phase(obj)
        if phase is None:
            continue
        ran = command_phase(obj)
        annotated = obj.annotations.get(PHASE_ANNOTATION)
        if isinstance(annotated, str) and ran in ("pre", "post") and annotated != ran:
            yield ctx.finding(
                "ZD008",
                "error",
                obj,
                f"annotation {PHASE_ANNOTATION}: {annotated} but the command runs migrate_phase {ran}",
                "make the annotation and the command agree",
                ("metadata", "annotations"),
            )
        effective = ran if ran in ("pre", "post") else phase
        hook = helm_hook(obj)
        events = hook.events if hook is not None else frozenset()
        if effective == "post" and events & _PRE:
            yield ctx.finding(
                "ZD008",
                "error",
                obj,
                "a pre-install/pre-upgrade hook runs the post (contract) phase while old pods still serve",
                "run migrate_phase post in a post-install,post-upgrade hook",
                ("metadata", "annotations"),
            )
        elif effective == "post" and not events:
            yield ctx.finding(
                "ZD008",
                "error",
                obj,
                "a plain Job runs the post (contract) phase alongside the rollout, while old pods "
                "still serve",
                "make it a post-install,post-upgrade hook",
                ("metadata",),
            )
        elif effective == "pre" and events & _POST and not events & _PRE:
            yield ctx.finding(
                "ZD008",
                "error",
                obj,
                "a post-install/post-upgrade hook runs the pre (expand) phase after the new code "
                "already serves",
                "run migrate_phase pre in a pre-install,pre-upgrade hook",
                ("metadata", "annotations"),
            )
