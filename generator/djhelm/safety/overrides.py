"""What the author declared in a migration file: a phase, and acknowledged rules with their reasons.

- ``djhelm_phase = "pre" | "post"`` on the Migration class;
- django-safemigrate's ``safe = Safe.before_deploy() | Safe.after_deploy(...) | Safe.always()``;
- ``djhelm_ack = {"rule-id": "why this is fine here"}``: a reason is mandatory;
- for a file the project cannot edit (an installed package's), the phase listed for it in
  ``settings.DJHELM_MIGRATIONS["PHASES"]``; the file's own declaration wins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

_SAFEMIGRATE = {"before_deploy": "pre", "after_deploy": "post", "always": "any"}
_DJHELM_PHASES = ("pre", "post")


@dataclass(frozen=True)
class Overrides:
    declared: str | None = None  # "pre" | "post" | "any" (safemigrate's always)
    declared_from: str = ""  # "djhelm_phase" | "safe" | LISTED
    acks: dict[str, str] = field(default_factory=dict)  # rule id -> reason (non-empty)
    problems: tuple[tuple[str, str, str], ...] = ()  # (rule id, message, fix)


def _safemigrate_phase(value: Any) -> str | None:
    when = getattr(value, "when", value)  # Safe(when=When.X) in django-safemigrate >= 5; enum before
    raw = getattr(when, "value", when)
    return _SAFEMIGRATE.get(str(raw).lower()) if raw is not None else None


LISTED = 'DJHELM_MIGRATIONS["PHASES"]'


def read_overrides(migration: Any, listed: str | None = None) -> Overrides:
    """``listed``: the phase the project's settings give this migration (PHASES), if any."""
    problems: list[tuple[str, str, str]] = []
    declared: str | None = None
    declared_from = ""
    phase = getattr(migration, "djhelm_phase", None)
    if phase is not None:
        if phase in _DJHELM_PHASES:
            declared, declared_from = str(phase), "djhelm_phase"
        else:
            problems.append((
                "invalid-override",
                f"djhelm_phase = {phase!r} is not a phase djhelm knows",
                'djhelm_phase = "pre"  # or "post"',
            ))
    safe = getattr(migration, "safe", None)
    if safe is not None and declared is None:
        mapped = _safemigrate_phase(safe)
        if mapped is None:
            problems.append((
                "invalid-override",
                f"safe = {safe!r} is not a django-safemigrate Safe value",
                "safe = Safe.before_deploy()  # or Safe.after_deploy() / Safe.always()",
            ))
        else:
            declared, declared_from = mapped, "safe"
    if declared is None and listed is not None:
        declared, declared_from = listed, LISTED
    acks: dict[str, str] = {}
    raw_acks = getattr(migration, "djhelm_ack", None)
    if raw_acks is not None:
        if not isinstance(raw_acks, dict):
            problems.append((
                "invalid-override",
                "djhelm_ack must be a dict of rule id -> reason",
                'djhelm_ack = {"rule-id": "why this is safe here"}',
            ))
        else:
            for rule_id, reason in sorted(raw_acks.items(), key=lambda item: str(item[0])):
                if not isinstance(reason, str) or not reason.strip():
                    problems.append((
                        "ack-without-reason",
                        f"djhelm_ack[{rule_id!r}] has no reason: an acknowledgement must say why it is safe",
                        f'djhelm_ack = {{"{rule_id}": "why this is safe here (table size, traffic, ...)"}}',
                    ))
                else:
                    acks[str(rule_id)] = reason.strip()
    return Overrides(declared, declared_from, acks, tuple(problems))
