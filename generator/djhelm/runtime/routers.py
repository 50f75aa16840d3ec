"""Kept so settings and code written before the replica modules moved to `djhelm.runtime.replicas` keep
working; new code imports from `djhelm.runtime.replicas.router`."""

from djhelm.runtime.replicas.router import ReplicaRouter, weighted_order

__all__ = ["ReplicaRouter", "weighted_order"]
