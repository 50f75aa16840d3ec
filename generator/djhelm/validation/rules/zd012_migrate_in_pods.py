"""ZD012: no long-running workload applies migrations itself (an init container or its command running
`manage.py migrate`)."""

from __future__ import annotations

from collections.abc import Iterator

from djhelm.shell import runs_migrate
from djhelm.validation.model import Finding
from djhelm.validation.rules.base import RuleContext, pod_template, rule, shell_commands

_PER_POD = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet")


def _applies_migrations(commands: list[list[str]]) -> bool:
    """Some command runs `manage.py migrate` for real (DefectDojo's `while ! manage.py migrate --check; do
    sleep 5; done` only waits)."""
    return any(runs_migrate(words) for words in commands)


@rule(
    "ZD012",
    "long-running pods do not run migrate",
    "error",
    "Every pod that runs `migrate` at start applies migrations while the old release still serves, the "
    "whole schema change in one go (no expand before / contract after the rollout); several pods race "
    "for the same migration, and every restart or scale-up runs it again.",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    for obj in ctx.of_kind(*_PER_POD):
        template = pod_template(obj)
        if template is None:
            continue
        for init in (True, False):
            for index, container in template.containers(init=init):
                if not _applies_migrations(shell_commands(container)):
                    continue
                where = "init container" if init else "container"
                yield ctx.finding(
                    "ZD012",
                    "error",
                    obj,
                    f"{where} {container.get('name', index)} runs `manage.py migrate` in every pod",
                    "apply migrations once per release in a Job before the rollout (djhelm's migration "
                    "Job: migrate_phase pre, then post after it); pods may wait for it with "
                    "`manage.py migrate_phase wait`",
                    template.container_path(index, init=init),
                )
