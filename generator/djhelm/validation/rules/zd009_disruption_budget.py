"""ZD009: a serving workload with more than one replica has a PodDisruptionBudget selecting its pods."""

from __future__ import annotations

from collections.abc import Iterator

from djhelm.validation.model import Finding
from djhelm.validation.rules.base import RuleContext, dig, int_value, rule
from djhelm.validation.rules.workloads import replicas, serving_workloads


@rule(
    "ZD009",
    "PodDisruptionBudget for serving workloads with replicas > 1",
    "warning",
    "Node drains (cluster upgrades, autoscaler scale-down) evict pods regardless of the rollout strategy; "
    "without a PDB every replica can be evicted at once.",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    budgets = [dig(pdb.data, "spec", "selector", "matchLabels") for pdb in ctx.of_kind("PodDisruptionBudget")]
    autoscaled = {
        dig(hpa.data, "spec", "scaleTargetRef", "name"): int_value(dig(hpa.data, "spec", "minReplicas")) or 1
        for hpa in ctx.of_kind("HorizontalPodAutoscaler")
    }
    for obj, template in serving_workloads(ctx):
        count = max(replicas(obj), autoscaled.get(obj.name, 0))
        if count <= 1:
            continue
        labels = template.labels
        covered = any(
            isinstance(selector, dict) and selector and all(labels.get(k) == v for k, v in selector.items())
            for selector in budgets
        )
        if not covered:
            yield ctx.finding(
                "ZD009",
                "warning",
                obj,
                f"{count} replicas but no PodDisruptionBudget selects its pods",
                "add a PodDisruptionBudget with maxUnavailable: 1 and "
                "unhealthyPodEvictionPolicy: AlwaysAllow",
                ("spec", "selector"),
            )
