"""ZD002: serving containers have a readinessProbe, and their livenessProbe is not the same check."""

from __future__ import annotations

from collections.abc import Iterator

from djhelm.validation.model import Finding
from djhelm.validation.rules.base import RuleContext, rule
from djhelm.validation.rules.workloads import serving_containers, serving_workloads

_HANDLERS = ("httpGet", "tcpSocket", "exec", "grpc")


@rule(
    "ZD002",
    "readinessProbe present and different from livenessProbe",
    "error",
    "Without readiness a pod gets traffic before Django can answer; a liveness probe equal to readiness "
    "restarts every pod when a shared dependency (the database) is slow, turning a blip into an outage.",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    for obj, template in serving_workloads(ctx):
        for index, container in serving_containers(ctx, template):
            path = template.container_path(index)
            name = container.get("name", index)
            readiness = container.get("readinessProbe")
            liveness = container.get("livenessProbe")
            if not isinstance(readiness, dict):
                yield ctx.finding(
                    "ZD002",
                    "error",
                    obj,
                    f"container {name} has no readinessProbe",
                    "add a readinessProbe (e.g. httpGet on a cheap /healthz/ready)",
                    path,
                )
                continue
            if isinstance(liveness, dict):
                same = {k: readiness.get(k) for k in _HANDLERS} == {k: liveness.get(k) for k in _HANDLERS}
                if same:
                    yield ctx.finding(
                        "ZD002",
                        "error",
                        obj,
                        f"container {name}: livenessProbe checks the same thing as readinessProbe",
                        "point livenessProbe at an endpoint that does not touch the database "
                        "(e.g. /healthz/live)",
                        (*path, "livenessProbe"),
                    )
