"""Zero-downtime rules: one module per rule, registered with @rule and discovered by importing the package.

A rule module is any module in this package whose name starts with ``zd``; importing it registers its
check. Nothing else needs editing to add a rule.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from djhelm.validation.rules.base import REGISTRY, Rule, RuleContext, rule

__all__ = ["Rule", "RuleContext", "all_rules", "rule"]


@cache
def all_rules() -> tuple[Rule, ...]:
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module.name.startswith("zd"):
            importlib.import_module(f"{__name__}.{module.name}")
    return tuple(sorted(REGISTRY.values(), key=lambda r: r.id))
