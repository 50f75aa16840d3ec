"""Zero-downtime rules: one module per rule, registered with @rule and discovered by importing the package.

Every module of this package is imported (djhelm.discovery, as for the migration rules); a rule module
registers its check with @rule. Nothing else needs editing to add a rule; `zdNNN_<name>.py` is the naming
convention, not what finds it.
"""

from __future__ import annotations

import sys
from functools import cache

from djhelm.discovery import import_rule_modules
from djhelm.validation.rules.base import REGISTRY, Rule, RuleContext, rule

__all__ = ["Rule", "RuleContext", "all_rules", "rule"]


@cache
def all_rules() -> tuple[Rule, ...]:
    import_rule_modules(sys.modules[__name__])
    return tuple(sorted(REGISTRY.values(), key=lambda r: r.id))
