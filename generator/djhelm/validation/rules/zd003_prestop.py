"""ZD003: serving containers sleep in preStop, 0 < sleep <= terminationGracePeriodSeconds."""

from __future__ import annotations

from collections.abc import Iterator

from djhelm.validation.model import Finding
from djhelm.validation.rules.base import RuleContext, rule
from djhelm.validation.rules.workloads import (
    grace_period,
    prestop_seconds,
    serving_containers,
    serving_workloads,
)

FIX = 'add lifecycle.preStop.sleep.seconds (Kubernetes >= 1.30) or exec: {command: [sleep, "10"]}'
_SLEEP_ACTION_BETA = 30  # PodLifecycleSleepAction is alpha, off by default, on 1.29


@rule(
    "ZD003",
    "preStop sleep keeps serving while endpoints are removed",
    "error",
    "Kubernetes removes a pod from Service endpoints at the same time as it sends SIGTERM; load balancers "
    "keep sending requests for a few seconds, which fail unless the pod keeps serving (preStop sleep).",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    for obj, template in serving_workloads(ctx):
        grace = grace_period(template)
        for index, container in serving_containers(ctx, template):
            name = container.get("name", index)
            path = (*template.container_path(index), "lifecycle", "preStop")
            seconds, how = prestop_seconds(container)
            if how == "missing":
                yield ctx.finding(
                    "ZD003",
                    "error",
                    obj,
                    f"container {name} has no preStop hook",
                    FIX,
                    template.container_path(index),
                )
                continue
            if seconds is None:
                yield ctx.finding(
                    "ZD003",
                    "info",
                    obj,
                    f"container {name}: cannot tell how long preStop waits",
                    "use a sleep action or exec sleep N so the drain time can be checked",
                    path,
                )
                continue
            if seconds <= 0:
                yield ctx.finding(
                    "ZD003",
                    "error",
                    obj,
                    f"container {name}: preStop sleeps {seconds}s",
                    "sleep a few seconds (5-15) so load balancers stop sending traffic",
                    path,
                )
            elif seconds > grace:
                yield ctx.finding(
                    "ZD003",
                    "error",
                    obj,
                    f"container {name}: preStop sleeps {seconds}s, longer than "
                    f"terminationGracePeriodSeconds {grace}",
                    "raise terminationGracePeriodSeconds or shorten the sleep",
                    path,
                )
            if how == "sleep" and ctx.minor() < _SLEEP_ACTION_BETA:
                yield ctx.finding(
                    "ZD003",
                    "warning",
                    obj,
                    f"container {name}: the preStop sleep action is alpha on Kubernetes "
                    f"{ctx.kube_version} (feature gate off by default), so the hook is dropped",
                    'use exec: {command: [sleep, "N"]} while clusters older than 1.30 are supported',
                    (*path, "sleep"),
                )
