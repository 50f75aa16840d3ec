"""ZD004: terminationGracePeriodSeconds covers preStop plus the server's graceful timeout."""

from __future__ import annotations

from collections.abc import Iterator

from djhelm.validation.model import Finding
from djhelm.validation.rules.base import RuleContext, rule
from djhelm.validation.rules.workloads import (
    GRACE_ANNOTATION,
    grace_period,
    graceful_timeout,
    prestop_seconds,
    serving_containers,
    serving_workloads,
)


@rule(
    "ZD004",
    "terminationGracePeriodSeconds >= preStop + graceful timeout",
    "error",
    "The grace period starts before preStop. If it is shorter than preStop plus the time gunicorn/uvicorn "
    "needs to finish in-flight requests, the kubelet SIGKILLs the server mid-request (502s).",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    for obj, template in serving_workloads(ctx):
        grace = grace_period(template)
        for index, container in serving_containers(ctx, template):
            name = container.get("name", index)
            sleep, _how = prestop_seconds(container)
            drain, source = graceful_timeout(template, container)
            if drain is None:
                yield ctx.finding(
                    "ZD004",
                    "info",
                    obj,
                    f"container {name}: the server's graceful timeout is unknown, so "
                    f"terminationGracePeriodSeconds {grace} cannot be checked",
                    f'annotate the pod template with {GRACE_ANNOTATION}: "N" or pass '
                    "--graceful-timeout (gunicorn) / --timeout-graceful-shutdown (uvicorn) / "
                    "--workers-kill-timeout (granian)",
                    (*template.path[:-1], "metadata"),
                )
                continue
            needed = (sleep or 0) + drain
            if grace < needed:
                yield ctx.finding(
                    "ZD004",
                    "error",
                    obj,
                    f"container {name}: terminationGracePeriodSeconds {grace} < preStop {sleep or 0}s"
                    f" + graceful timeout {drain}s ({source})",
                    f"set terminationGracePeriodSeconds to at least {needed} (plus a few seconds of margin)",
                    (*template.path, "terminationGracePeriodSeconds"),
                )
