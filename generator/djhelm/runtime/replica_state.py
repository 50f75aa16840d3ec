"""Kept so settings and code written before the replica modules moved to `djhelm.runtime.replicas` keep
working; new code imports from `djhelm.runtime.replicas.state`."""

from djhelm.runtime.replicas.state import ReadState, read_your_writes, use_primary

__all__ = ["ReadState", "read_your_writes", "use_primary"]
