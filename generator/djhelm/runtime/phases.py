"""Which pending migration runs in which deploy phase, and why.

``pre``  (expand)   runs before the new code rolls out; old code must keep working.
``post`` (contract) runs once no old code is left.

Rules:
- every pending migration gets the checker's verdict (djhelm.safety); migrations of apps that are not the
  project's own (Django contrib, third-party packages) are trusted as ``pre`` unless THIRD_PARTY is "judge":
  they were written for a plain ``migrate``, cannot be split by the project, and a first install must work;
- a ``pre`` migration runs in the pre phase only if none of its pending dependencies is left for later;
  otherwise it waits for the post phase ("deferred");
- a pending ``post`` migration whose dependencies were all applied before this run is left over from an
  earlier release whose contract phase never ran. A ``pre`` migration that needs it is an error for the pre
  phase: the earlier release must be contracted first (``migrate_phase post`` with that release's code);
- any ``blocked`` migration stops both phases before anything is applied;
- on a first install (no migration recorded at all) no old code can be running, so ``post`` migrations run in
  the pre phase too: otherwise an expand migration behind a contract one (any history that dropped a column
  and later added one) would wait for the post Job while the new pods wait for it, a deadlock under
  ``helm --wait`` with the ``job`` strategy.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from djhelm.safety.model import Finding, MigrationVerdict

Key = tuple[str, str]
RunIn = Literal["pre", "post", "refused"]


def label(key: Key) -> str:
    return f"{key[0]}.{key[1]}"


@dataclass(frozen=True)
class Step:
    app: str
    name: str
    phase: str  # the verdict: pre | post | blocked
    run_in: RunIn  # where it will actually run
    reason: str
    judged: bool  # False: a third-party migration trusted as pre
    findings: tuple[Finding, ...] = ()

    @property
    def key(self) -> Key:
        return (self.app, self.name)

    def as_dict(self) -> dict[str, object]:
        return {
            "app": self.app,
            "name": self.name,
            "phase": self.phase,
            "run_in": self.run_in,
            "reason": self.reason,
            "judged": self.judged,
            "findings": [
                {
                    "rule": f.rule,
                    "severity": f.severity,
                    "operation": f.operation,
                    "message": f.message,
                    "fix": f.fix,
                }
                for f in self.findings
            ],
        }


@dataclass(frozen=True)
class Plan:
    steps: tuple[Step, ...]  # every pending migration, in dependency order
    errors: tuple[str, ...] = field(default=())  # problems that stop the pre phase

    def run_in(self, phase: RunIn) -> list[Step]:
        return [step for step in self.steps if step.run_in == phase]

    def needed_before_rollout(self) -> list[Step]:
        """What ``migrate_phase wait`` holds new pods for: every expand migration this code knows, and every
        refused one (the code was written against it too; the pre phase refuses to run while it is pending).
        """
        return [step for step in self.steps if step.phase == "pre" or step.run_in in ("pre", "refused")]

    @property
    def blocked(self) -> list[Step]:
        return [step for step in self.steps if step.phase == "blocked"]

    def as_dict(self) -> dict[str, object]:
        return {
            "pre": [label(s.key) for s in self.run_in("pre")],
            "post": [label(s.key) for s in self.run_in("post")],
            "refused": [label(s.key) for s in self.run_in("refused")],
            "errors": list(self.errors),
            "steps": [s.as_dict() for s in self.steps],
        }


Classifier = Callable[[Collection[Key]], Iterable[MigrationVerdict]]


def build_plan(
    pending: list[Key],
    parents: Mapping[Key, Iterable[Key]],
    applied: Collection[Key],
    classify: Classifier,
) -> Plan:
    """``pending`` in dependency order; ``parents`` gives each migration's direct dependencies."""
    verdicts = {(v.app, v.name): v for v in classify(pending)}
    first_install = not applied
    later: dict[Key, Key] = {}  # pending key not run in pre -> the post/blocked migration that holds it back
    steps: list[Step] = []
    errors: list[str] = []
    for key in pending:
        verdict = verdicts.get(key)
        phase = verdict.phase if verdict else "pre"
        findings = verdict.findings if verdict else ()
        judged = verdict is not None
        held_parents = [p for p in parents.get(key, ()) if p in later]
        held_by = [later[p] for p in held_parents]
        run_in: RunIn
        if phase == "blocked":
            run_in, reason = "refused", _blocked_reason(findings)
            later[key] = key
        elif phase == "post" and not first_install:
            run_in, reason = "post", "contract: safe only once no old code runs"
            # the first contract migration of a chain stands for it: it tells which release it came from
            later[key] = held_by[0] if held_by else key
        elif held_by:
            root = held_by[0]
            root_step = next(s for s in steps if s.key == root)
            if root_step.phase == "blocked":
                run_in, reason = "refused", f"depends on blocked {label(root)}"
            else:
                run_in = "post"
                via = "" if held_parents[0] == root else f" (after {label(root)})"
                reason = (
                    f"expand, but depends on {label(held_parents[0])}{via}, left for post: waits for post"
                )
                if all(p in applied for p in parents.get(root, ())):
                    errors.append(
                        f"{label(key)} (pre) depends on {label(root)} (post), which was ready before this "
                        "run: the contract phase of an earlier release never ran. Run "
                        "`manage.py migrate_phase post` "
                        "with the code of the release that is deployed now, then deploy this one again. (If "
                        f"{label(root)} is this release's own, reorder: an expand migration must not depend "
                        "on a contract one.)"
                    )
            later[key] = root
        elif phase == "post":
            run_in, reason = "pre", "contract, but a first install: no old code runs yet"
        else:
            run_in = "pre"
            reason = "expand: safe while old code runs" if judged else "third-party app: trusted as pre"
        steps.append(Step(key[0], key[1], phase, run_in, reason, judged, tuple(findings)))
    return Plan(tuple(steps), tuple(errors))


def _blocked_reason(findings: Iterable[Finding]) -> str:
    messages = [f.message + (f" Fix: {f.fix}" if f.fix else "") for f in findings if f.severity == "error"]
    return "; ".join(messages) or "unsafe as written (see findings)"
