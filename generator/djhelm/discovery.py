"""How both rule families (migration rules in djhelm.safety.rules, validate rules in
djhelm.validation.rules) find their rules: every module of the package is imported, in name order, and its
`@rule` decorators register it. A new rule is a new module; no list, prefix or registry file to edit."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def import_rule_modules(package: ModuleType) -> list[str]:
    """Import every module of ``package`` (names starting with "_" are private helpers); their names."""
    found = pkgutil.iter_modules(package.__path__)
    names = sorted(info.name for info in found if not info.name.startswith("_"))
    for name in names:
        importlib.import_module(f"{package.__name__}.{name}")
    return names
