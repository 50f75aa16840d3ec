"""One rule per module; each registers itself with ``djhelm.safety.registry.rule``.

Every module here (except names starting with "_") is imported by ``registry.load_rules``.
See docs/checker-framework.md for how to add one.
"""
