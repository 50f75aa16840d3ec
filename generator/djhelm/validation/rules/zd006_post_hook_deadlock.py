"""ZD006: no post-* migration hook that pods wait for (Helm --wait would never reach it)."""

from __future__ import annotations

from collections.abc import Iterator

from djhelm.validation.model import Finding
from djhelm.validation.rules.base import RuleContext, rule
from djhelm.validation.rules.workloads import helm_hook, migration_phase, waiters

_POST = frozenset({"post-install", "post-upgrade"})


@rule(
    "ZD006",
    "no post-install/post-upgrade migration hook that pods wait for",
    "error",
    "Helm runs post-* hooks only after --wait sees every Deployment ready; pods whose init container waits "
    "for those migrations never get ready, so the release hangs until the timeout and fails (deadlock).",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    blocked = waiters(ctx)
    if not blocked:
        return
    for obj in ctx.of_kind("Job", "Pod"):
        hook = helm_hook(obj)
        phase = migration_phase(obj)
        if hook is None or phase is None or not (hook.events & _POST):
            continue
        # djhelm's phases: the post (contract) Job runs after the rollout and waiters only wait for pre.
        stuck = [w for w in blocked if not (phase == "post" and w.waits_for == "pre")]
        if not stuck:
            continue
        names = ", ".join(sorted({w.obj.ref for w in stuck}))
        what = "every migration" if any(w.waits_for == "all" for w in stuck) else "the migrations"
        yield ctx.finding(
            "ZD006",
            "error",
            obj,
            f"{'/'.join(sorted(hook.events & _POST))} migration hook (phase {phase}) while {names} "
            f"wait(s) for {what} in an init container: deadlock under helm --wait",
            "run the migration as a pre-install,pre-upgrade hook, or split phases (pre hook + post "
            "hook) with init containers running `migrate_phase wait` (pre only)",
            ("metadata", "annotations"),
        )
