"""ZD001: web Deployments roll with maxUnavailable 0 and maxSurge > 0; Recreate only for a singleton."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from djhelm.validation.model import Finding
from djhelm.validation.rules.base import RuleContext, dig, int_value, pod_template, rule
from djhelm.validation.rules.workloads import replicas, serving_workloads

FIX = "set spec.strategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 0, maxSurge: 1}}"


def _resolve(value: Any, total: int, round_up: bool) -> int | None:
    """Pods allowed by an int-or-percent, rounded the way the Deployment controller rounds it."""
    number = int_value(value)
    if number is not None:
        return number
    if isinstance(value, str) and value.endswith("%") and value[:-1].isdigit():
        exact = total * int(value[:-1]) / 100
        return math.ceil(exact) if round_up else math.floor(exact)
    return None


@rule(
    "ZD001",
    "rolling update keeps every serving pod until its replacement is ready",
    "error",
    "maxUnavailable > 0 (or Recreate) removes serving pods before new ones are Ready, so capacity drops "
    "or the site goes dark during every upgrade.",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    serving_ids = {id(obj) for obj, _ in serving_workloads(ctx)}
    for obj in ctx.of_kind("Deployment"):
        template = pod_template(obj)
        if template is None:
            continue
        serving = id(obj) in serving_ids
        count = replicas(obj)
        strategy = dig(obj.data, "spec", "strategy") or {}
        kind = strategy.get("type", "RollingUpdate") if isinstance(strategy, dict) else "RollingUpdate"
        path = ("spec", "strategy")
        if kind == "Recreate":
            if serving:
                yield ctx.finding(
                    "ZD001",
                    "error",
                    obj,
                    "strategy Recreate stops every serving pod before new ones start (downtime)",
                    FIX,
                    path,
                )
            elif count > 1:
                yield ctx.finding(
                    "ZD001",
                    "warning",
                    obj,
                    f"strategy Recreate stops all {count} pods at once",
                    "use RollingUpdate; keep Recreate only for a single-replica process such as "
                    "celery beat that must never run twice",
                    path,
                )
            continue
        if not serving:
            continue
        rolling = dig(obj.data, "spec", "strategy", "rollingUpdate")
        rolling = rolling if isinstance(rolling, dict) else {}
        unavailable_raw = rolling.get("maxUnavailable")
        surge_raw = rolling.get("maxSurge")
        unavailable = _resolve("25%" if unavailable_raw is None else unavailable_raw, count, round_up=False)
        surge = _resolve("25%" if surge_raw is None else surge_raw, count, round_up=True)
        if unavailable is not None and unavailable > 0:
            yield ctx.finding(
                "ZD001",
                "error",
                obj,
                f"maxUnavailable {unavailable_raw if unavailable_raw is not None else '25% (default)'}"
                f" lets {unavailable} of {count} serving pods go before replacements are ready",
                FIX,
                (*path, "rollingUpdate", "maxUnavailable"),
            )
        elif unavailable_raw is None:
            yield ctx.finding(
                "ZD001",
                "warning",
                obj,
                "maxUnavailable is not set; the default 25% becomes at least one pod from "
                "4 replicas on (an autoscaler gets there)",
                FIX,
                path,
            )
        if surge is not None and surge <= 0:
            yield ctx.finding(
                "ZD001",
                "error",
                obj,
                f"maxSurge {surge_raw} means no new pod starts before an old one stops",
                FIX,
                (*path, "rollingUpdate", "maxSurge"),
            )
