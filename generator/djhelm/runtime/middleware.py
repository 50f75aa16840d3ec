"""Kept so settings and code written before the replica modules moved to `djhelm.runtime.replicas` keep
working; new code imports from `djhelm.runtime.replicas.middleware`."""

from djhelm.runtime.replicas.middleware import ReplicaPinningMiddleware

__all__ = ["ReplicaPinningMiddleware"]
