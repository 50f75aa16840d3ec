"""ZD014: a chart whose migrations run in phases through Helm hooks guards rollbacks."""

from __future__ import annotations

from collections.abc import Iterator

from djhelm.validation.model import Finding
from djhelm.validation.rules.base import RuleContext, command_words, pod_template, rule
from djhelm.validation.rules.workloads import HOOK, migration_phase


@rule(
    "ZD014",
    "phased migrations in Helm hooks come with a pre-rollback check",
    "warning",
    "After a contract migration, the previous release's code no longer fits the schema: `helm rollback` "
    "would start it anyway, and every request that touches a dropped column fails. Helm runs the target "
    "release's pre-rollback hooks, so a Job there running `migrate_phase rollback-check` stops such a "
    "rollback before it changes anything.",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    post_jobs = [obj for obj in ctx.of_kind("Job")
                 if migration_phase(obj) == "post" and isinstance(obj.annotations.get(HOOK), str)]
    if not post_jobs:
        return
    for obj in ctx.of_kind("Job"):
        hook = obj.annotations.get(HOOK)
        template = pod_template(obj)
        if not isinstance(hook, str) or "pre-rollback" not in hook or template is None:
            continue
        for _, container in template.containers():
            words = command_words(container)
            if "migrate_phase" in words and "rollback-check" in words:
                return
    yield ctx.finding(
        "ZD014",
        "warning",
        post_jobs[0],
        "contract migrations run in a Helm hook, but no pre-rollback hook checks that an older release "
        "can still read the schema",
        "add a Job annotated helm.sh/hook: pre-rollback that runs `python manage.py migrate_phase "
        "rollback-check` with the app's image (djhelm charts: migrations.rollbackGuard: true)",
        ("metadata", "annotations"),
    )
