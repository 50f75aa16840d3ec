"""The rule registry: rules register themselves with ``@rule(...)``; ``rules_for`` finds them by operation.

A rule is a function ``(ctx: OperationContext) -> Iterable[Finding]``. It declares the operation classes
it judges and every rule id it may emit (with a one-line description: the SARIF rules list and the docs
table come from here). Rule modules live in ``djhelm.safety.rules`` and are imported by ``load_rules``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from djhelm.discovery import import_rule_modules
from djhelm.safety.model import Finding

if TYPE_CHECKING:
    from djhelm.safety.context import OperationContext

RuleFunc = Callable[["OperationContext"], Iterable[Finding]]


@dataclass(frozen=True)
class RuleSpec:
    func: RuleFunc
    operations: tuple[type, ...]
    ids: Mapping[str, str]
    module: str
    # The rule is about changing a table that already has rows and traffic: a model created earlier in the
    # same release has neither, so the framework does not call it there.
    skip_new_tables: bool = False
    # The rule hands inner operations to the other rules and passes their findings on, ids included.
    delegates: bool = False

    @property
    def name(self) -> str:
        return f"{self.module}.{self.func.__name__}"


_RULES: list[RuleSpec] = []
# Ids emitted by the framework itself (not by a rule module).
FRAMEWORK_IDS: dict[str, str] = {
    "mixed-phases": "One migration mixes operations needed before the rollout with ones allowed only after.",
    "depends-on-post": "A pre-deploy migration depends on a post-deploy migration of the same release.",
    "follows-post": "A migration that emits no SQL follows the post-deploy migration it depends on.",
    "ack-without-reason": "A djhelm_ack entry has no reason.",
    "ack-unused": "A djhelm_ack entry names a rule that did not fire.",
    "invalid-override": "djhelm_phase / djhelm_ack / safe has a value djhelm does not understand.",
    "declared-phase-conflict": "The declared phase contradicts what the operations need.",
    "unknown-operation": "An operation class djhelm has no rule for.",
}


def rule(
    *operations: type, ids: Mapping[str, str], skip_new_tables: bool = False, delegates: bool = False
) -> Callable[[RuleFunc], RuleFunc]:
    """Register a rule for ``operations`` (subclasses included) that may emit only the given rule ids;
    ``skip_new_tables``: not called for a model created in the same release (ctx.model_is_new);
    ``delegates``: it judges inner operations with the other rules and may pass on their ids."""
    if not operations:
        raise ValueError("a rule must name at least one operation class")
    if not ids:
        raise ValueError("a rule must declare the rule ids it emits")

    def register(func: RuleFunc) -> RuleFunc:
        # Several functions of one module may share ids; another module may not reuse them.
        taken = {rid for spec in _RULES if spec.module != func.__module__ for rid in spec.ids}
        clash = sorted(set(ids) & (taken | set(FRAMEWORK_IDS)))
        if clash:
            raise ValueError(f"rule id(s) {', '.join(clash)} already registered ({func.__module__})")
        spec = RuleSpec(func, tuple(operations), dict(ids), func.__module__, skip_new_tables, delegates)
        _RULES.append(spec)
        return func

    return register


_loaded = False


def load_rules() -> None:
    """Import every module of djhelm.safety.rules once, so their decorators run."""
    global _loaded
    if _loaded:
        return
    from djhelm.safety import rules as package

    import_rule_modules(package)
    _loaded = True


_by_class: dict[type, tuple[RuleSpec, ...]] = {}


def rules_for(operation: object) -> tuple[RuleSpec, ...]:
    """The rules judging this operation, in a stable order (module name, then function name)."""
    load_rules()
    cls = type(operation)
    found = _by_class.get(cls)
    if found is None:
        found = tuple(sorted((s for s in _RULES if issubclass(cls, s.operations)), key=lambda s: s.name))
        _by_class[cls] = found
    return found


def all_rule_ids() -> dict[str, str]:
    """Every rule id with its description, sorted by id (framework ids included)."""
    load_rules()
    ids = dict(FRAMEWORK_IDS)
    for spec in _RULES:
        for rule_id, text in spec.ids.items():
            ids.setdefault(rule_id, text)
    return dict(sorted(ids.items()))
