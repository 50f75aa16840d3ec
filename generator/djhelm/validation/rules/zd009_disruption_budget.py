"""ZD009: a serving workload with more than one replica has a PodDisruptionBudget selecting its pods."""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from itertools import combinations
from typing import Any

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
    selectors = {
        frozenset(selector.items())
        for pdb in ctx.of_kind("PodDisruptionBudget")
        if isinstance(selector := dig(pdb.data, "spec", "selector", "matchLabels"), dict) and selector
        if all(isinstance(v, Hashable) for v in selector.values())
    }
    autoscaled = {
        dig(hpa.data, "spec", "scaleTargetRef", "name"): int_value(dig(hpa.data, "spec", "minReplicas")) or 1
        for hpa in ctx.of_kind("HorizontalPodAutoscaler")
    }
    for obj, template in serving_workloads(ctx):
        count = max(replicas(obj), autoscaled.get(obj.name, 0))
        if count > 1 and not _covered(template.labels, selectors):
            yield ctx.finding(
                "ZD009",
                "warning",
                obj,
                f"{count} replicas but no PodDisruptionBudget selects its pods",
                "add a PodDisruptionBudget with maxUnavailable: 1 and "
                "unhealthyPodEvictionPolicy: AlwaysAllow",
                ("spec", "selector"),
            )


def _covered(labels: dict[str, Any], selectors: set[frozenset[tuple[str, Any]]]) -> bool:
    """Does some PDB select these pod labels (its matchLabels a subset of them)?"""
    items = [(k, v) for k, v in labels.items() if isinstance(v, Hashable)]
    if len(items) > 12:  # unusual: test each selector instead of every subset of the labels
        return any(selector <= frozenset(items) for selector in selectors)
    return any(
        frozenset(subset) in selectors
        for size in range(1, len(items) + 1)
        for subset in combinations(items, size)
    )
