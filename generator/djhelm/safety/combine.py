"""From per-operation findings to one migration phase, applying the author's overrides.

- an unacknowledged finding with effect "blocked" blocks the migration;
- operations that must run before the rollout mixed with ones that must run after: blocked (split it);
- only post operations: post; anything else (pre, or no SQL at all): pre;
- a declared phase (djhelm_phase / safemigrate) then decides, except that it never silences a blocked
  migration and declaring "pre" for post work is itself an error (old code would break);
- acknowledgements (djhelm_ack, reason required) turn a finding into a remark that no longer moves the phase.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

from djhelm.safety.model import Effect, Finding, MigrationVerdict, Phase
from djhelm.safety.overrides import Overrides

_RANK: dict[str, int] = {"any": 0, "pre": 1, "post": 2, "blocked": 3}


def _acknowledge(finding: Finding, acks: dict[str, str], used: set[str]) -> Finding:
    reason = acks.get(finding.rule)
    if reason is None:
        return finding
    used.add(finding.rule)
    return dataclasses.replace(
        finding, severity="info", effect=finding.effect_when_acknowledged, acknowledged=reason
    )


def operation_effect(baseline: Effect, findings: Iterable[Finding]) -> Effect:
    effects = [f.effect for f in findings if f.effect is not None]
    if baseline == "any" or not effects:
        return baseline
    return max(effects, key=lambda e: _RANK[e])


def _framework(rule: str, message: str, fix: str, effect: Phase | None, severity: str = "error") -> Finding:
    return Finding(rule=rule, severity=severity, operation=None, message=message, fix=fix, effect=effect)  # type: ignore[arg-type]


def combine(
    operations: Sequence[tuple[Effect, tuple[Finding, ...]]], overrides: Overrides
) -> tuple[Phase, list[Finding]]:
    used: set[str] = set()
    findings: list[Finding] = []
    effects: list[Effect] = []
    for baseline, op_findings in operations:
        acked = [_acknowledge(f, overrides.acks, used) for f in op_findings]
        findings.extend(acked)
        effects.append(operation_effect(baseline, acked))

    pre_ops = [i for i, e in enumerate(effects) if e == "pre"]
    post_ops = [i for i, e in enumerate(effects) if e == "post"]
    phase: Phase
    if "blocked" in effects:
        phase = "blocked"
    elif pre_ops and post_ops:
        mixed = _acknowledge(
            _framework(
                "mixed-phases",
                f"{_ops(pre_ops)} must run before the new code rolls out and {_ops(post_ops)} only once "
                "the old code is gone: no single phase is safe for both",
                "Split the migration in two: keep the expand operations here and move the contract "
                "operations into a new migration (it runs in the post phase).",
                "blocked",
            ),
            overrides.acks,
            used,
        )
        findings.append(mixed)
        phase = "blocked" if mixed.acknowledged is None else "post"
    elif post_ops:
        phase = "post"
    else:
        phase = "pre"

    for rule_id, message, fix in overrides.problems:
        findings.append(_framework(rule_id, message, fix, "blocked"))
        phase = "blocked"

    declared = overrides.declared
    if phase != "blocked" and declared in ("pre", "post") and declared != phase:
        if declared == "pre" and phase == "post":
            conflict = _acknowledge(
                _framework(
                    "declared-phase-conflict",
                    f"{overrides.declared_from} declares pre-deploy, but {_ops(post_ops)} "
                    "remove what the old code still uses: running them before the rollout breaks it",
                    'djhelm_phase = "post"  # or: djhelm_ack = {"declared-phase-conflict": "why"}',
                    "blocked",
                ),
                overrides.acks,
                used,
            )
            findings.append(conflict)
            phase = "blocked" if conflict.acknowledged is None else "pre"
        else:
            findings.append(_framework(
                "declared-phase-conflict",
                f"{overrides.declared_from} declares post-deploy: the new code must not need these "
                "operations while it rolls out",
                "",
                None,
                severity="info",
            ))
            phase = "post"

    for rule_id in sorted(set(overrides.acks) - used):
        if rule_id == "depends-on-post":
            continue  # judged later, on the whole graph
        findings.append(_framework(
            "ack-unused",
            f"djhelm_ack names {rule_id!r}, which did not fire on this migration",
            f"Remove {rule_id!r} from djhelm_ack.",
            None,
            severity="info",
        ))
    return phase, findings


def depends_on_post(
    verdict: MigrationVerdict, culprit: tuple[str, str], overrides: Overrides
) -> MigrationVerdict:
    finding = _framework(
        "depends-on-post",
        f"this pre-deploy migration depends on {culprit[0]}.{culprit[1]}, which only runs after the rollout: "
        "the pre phase cannot apply it, so the new code would start without it",
        f"Ship it in a later release, or make {culprit[0]}.{culprit[1]} not a contract step.",
        "blocked",
    )
    used: set[str] = set()
    finding = _acknowledge(finding, overrides.acks, used)
    phase: Phase = "blocked" if finding.acknowledged is None else verdict.phase
    return dataclasses.replace(verdict, phase=phase, findings=(*verdict.findings, finding))


def follows_post(verdict: MigrationVerdict, culprit: tuple[str, str]) -> MigrationVerdict:
    """A migration that emits no SQL fits either phase: it runs after the rollout with what it needs."""
    finding = _framework(
        "follows-post",
        f"emits no SQL and depends on {culprit[0]}.{culprit[1]}, which runs after the rollout: it runs "
        "then too",
        "",
        "post",
        severity="info",
    )
    return dataclasses.replace(verdict, phase="post", findings=(*verdict.findings, finding))


def _ops(indexes: Sequence[int]) -> str:
    word = "operation" if len(indexes) == 1 else "operations"
    return f"{word} {', '.join(str(i) for i in indexes)}"
