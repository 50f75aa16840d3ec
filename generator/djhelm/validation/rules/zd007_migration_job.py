"""ZD007: a migration Job is bounded, not retried forever, and still there when waiters and people look."""

from __future__ import annotations

from collections.abc import Iterator

from djhelm.validation.model import Finding
from djhelm.validation.rules.base import RuleContext, dig, int_value, rule
from djhelm.validation.rules.workloads import helm_hook, migration_phase, waiters

MAX_BACKOFF = 3


@rule(
    "ZD007",
    "migration Job: activeDeadlineSeconds, restartPolicy Never, small backoffLimit, no early TTL",
    "error",
    "An unbounded migration outlives helm --timeout and holds locks; OnFailure restarts hide failures in one "
    "pod; the default backoffLimit 6 re-runs a failing migration for many minutes; a TTL deletes the Job "
    "(and its logs) while pods still wait on it.",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    has_waiters = bool(waiters(ctx))
    for obj in ctx.of_kind("Job"):
        if migration_phase(obj) is None:
            continue
        spec = obj.data.get("spec") if isinstance(obj.data.get("spec"), dict) else {}
        assert isinstance(spec, dict)
        if int_value(spec.get("activeDeadlineSeconds")) is None:
            yield ctx.finding(
                "ZD007",
                "error",
                obj,
                "migration Job has no activeDeadlineSeconds",
                "set spec.activeDeadlineSeconds below your helm --timeout (e.g. 540 for 10m)",
                ("spec",),
            )
        restart = dig(spec, "template", "spec", "restartPolicy")
        if restart != "Never":
            yield ctx.finding(
                "ZD007",
                "error",
                obj,
                f"restartPolicy is {restart or 'unset'}, not Never",
                "set spec.template.spec.restartPolicy: Never so each retry is a new pod with its own logs",
                ("spec", "template", "spec"),
            )
        backoff = int_value(spec.get("backoffLimit"))
        if backoff is None or backoff > MAX_BACKOFF:
            yield ctx.finding(
                "ZD007",
                "warning",
                obj,
                f"backoffLimit {'is unset (default 6)' if backoff is None else backoff}: a failing "
                "migration is retried for a long time",
                f"set spec.backoffLimit to at most {MAX_BACKOFF} (1 is typical)",
                ("spec",),
            )
        ttl = int_value(spec.get("ttlSecondsAfterFinished"))
        if ttl is not None:
            if has_waiters:
                yield ctx.finding(
                    "ZD007",
                    "error",
                    obj,
                    f"ttlSecondsAfterFinished {ttl} deletes the Job while pods wait for migrations",
                    "remove ttlSecondsAfterFinished; gate pods on the database state and let "
                    "helm.sh/hook-delete-policy: before-hook-creation clean up",
                    ("spec", "ttlSecondsAfterFinished"),
                )
            else:
                yield ctx.finding(
                    "ZD007",
                    "warning",
                    obj,
                    f"ttlSecondsAfterFinished {ttl} deletes the Job and its logs",
                    "remove it; before-hook-creation deletes the old Job on the next release",
                    ("spec", "ttlSecondsAfterFinished"),
                )
        hook = helm_hook(obj)
        if hook is not None and "hook-succeeded" in hook.delete_policies:
            yield ctx.finding(
                "ZD007",
                "warning",
                obj,
                "hook-delete-policy hook-succeeded deletes the migration Job and its logs",
                "use helm.sh/hook-delete-policy: before-hook-creation",
                ("metadata", "annotations"),
            )
