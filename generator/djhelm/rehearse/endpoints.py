"""The Service's endpoints as a load balancer sees them: ready pods that are not terminating, with the
propagation delay a real cluster has.

Kubernetes removes a terminating (or unready) pod from its EndpointSlices at once, but kube-proxy, ingress
controllers and cloud load balancers learn it a few seconds later and keep sending until then (the reason
for a preStop sleep: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination).
Adding a newly ready pod is delayed the same way.
"""

from __future__ import annotations

import itertools
import threading
from typing import Protocol


class Target(Protocol):
    name: str
    address: str
    port: int
    release: str


class Endpoints:
    def __init__(self, delay: float) -> None:
        self._delay = delay
        self._lock = threading.Lock()
        self._targets: dict[str, Target] = {}
        self._counter = itertools.count()
        self._timers: list[threading.Timer] = []

    def _later(self, action: str, target: Target) -> None:
        def apply() -> None:
            with self._lock:
                if action == "add":
                    self._targets[target.name] = target
                else:
                    self._targets.pop(target.name, None)

        if self._delay <= 0:
            apply()
            return
        timer = threading.Timer(self._delay, apply)
        timer.daemon = True
        self._timers.append(timer)
        timer.start()

    def ready(self, target: Target) -> None:
        self._later("add", target)

    def gone(self, target: Target) -> None:
        """The pod is terminating or unready: the balancers learn it after the propagation delay."""
        self._later("remove", target)

    def pick(self) -> Target | None:
        """Round robin over what the balancers currently believe is ready."""
        with self._lock:
            targets = sorted(self._targets.values(), key=lambda t: t.name)
            if not targets:
                return None
            return targets[next(self._counter) % len(targets)]

    def current(self) -> list[str]:
        with self._lock:
            return sorted(self._targets)

    def close(self) -> None:
        for timer in self._timers:
            timer.cancel()
