"""ZD005: what a pre-install/pre-upgrade hook pod reads, if the chart defines it, is an earlier hook."""

from __future__ import annotations

from collections.abc import Iterator

from djhelm.validation.model import Finding
from djhelm.validation.rules.base import RuleContext, pod_template, rule
from djhelm.validation.rules.references import references
from djhelm.validation.rules.workloads import helm_hook

_PRE = frozenset({"pre-install", "pre-upgrade"})


@rule(
    "ZD005",
    "config a pre-install hook reads is created before it",
    "error",
    "Helm runs pre-install/pre-upgrade hooks (Argo CD: PreSync) before it creates or updates the chart's "
    "regular resources: a "
    "migration Job that mounts the regular ConfigMap, Secret or ServiceAccount fails on first install and "
    "sees the previous release's values on upgrade.",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    for obj in ctx.of_kind("Job", "Pod"):
        hook = helm_hook(obj)
        template = pod_template(obj)
        if hook is None or template is None or not (hook.events & _PRE):
            continue
        events = sorted(hook.events & _PRE)
        weight_key = "argocd.argoproj.io/sync-wave" if hook.system == "argocd" else "helm.sh/hook-weight"
        if hook.system == "argocd":
            fix = (
                f"make it a hook too: argocd.argoproj.io/hook: PreSync, argocd.argoproj.io/sync-wave below "
                f"{hook.weight}, argocd.argoproj.io/hook-delete-policy: BeforeHookCreation"
            )
        else:
            fix = (
                f"make it a hook too: helm.sh/hook: {','.join(events)}, helm.sh/hook-weight below "
                f"{hook.weight}, helm.sh/hook-delete-policy: before-hook-creation"
            )
        seen: set[tuple[str, str]] = set()
        for kind, name, path in references(template):
            dependency = ctx.find(kind, name)
            if dependency is None or (kind, name) in seen:
                continue  # defined outside this chart (e.g. a database Secret): nothing to order
            seen.add((kind, name))
            dep_hook = helm_hook(dependency)
            if dep_hook is None:
                yield ctx.finding(
                    "ZD005",
                    "error",
                    obj,
                    f"{'/'.join(events)} hook reads {kind}/{name}, a regular resource that does not "
                    "exist yet on install and is still the old version on upgrade",
                    fix,
                    path,
                )
                continue
            missing = sorted((hook.events & _PRE) - dep_hook.events)
            if missing:
                yield ctx.finding(
                    "ZD005",
                    "error",
                    obj,
                    f"reads {kind}/{name}, which is not a {'/'.join(missing)} hook",
                    fix,
                    path,
                )
            elif dep_hook.weight >= hook.weight:
                yield ctx.finding(
                    "ZD005",
                    "error",
                    obj,
                    f"reads {kind}/{name} whose hook weight {dep_hook.weight} is not below the "
                    f"Job's {hook.weight}",
                    f"give {kind}/{name} a {weight_key} below {hook.weight}",
                    path,
                )
