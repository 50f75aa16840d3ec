"""The fixes the field rules print are real code: pasted into the migration, the checker passes it.

First check: the unsafe operations. Second check: the same projects with each fix as the migration.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.safety.rules import test_add_field, test_alter_field, test_rename_field
from tests.safety.support import AUTH, CheckRun, change_apps, run_check, write_project

UNSAFE = {
    "python_default": (test_add_field.CASES["python_default"], test_add_field.BASE),
    "add_unique": (test_add_field.CASES["unique"], test_add_field.BASE),
    "add_slug": (test_add_field.CASES["slug"], test_add_field.BASE),
    "add_fk": (test_add_field.CASES["fk"].replace("'fk.item'", "'add_fk.item'"), test_add_field.BASE),
    "alter_unique": (test_alter_field.CASES["add_unique"][0], test_alter_field.BASE),
    "alter_index": (test_alter_field.CASES["add_index"][0], test_alter_field.BASE),
    "alter_like": (test_alter_field.CASES["indexed_to_text"][0], test_alter_field.BASE),
    "add_positive": (test_add_field.CASES["positive_null"], test_add_field.BASE),
    "rename": (test_rename_field.CASES["plain"][0][0], test_rename_field.BASE),
    "rename_fk": (test_rename_field.CASES["fk"][0][0], test_rename_field.BASE),
}


def _write(root: Path, ops: dict[str, str], body: dict[str, str] | None = None) -> Path:
    apps: dict[str, dict[str, str]] = {}
    for label, source in ops.items():
        base = UNSAFE[label][1]
        apps.update(change_apps({label: source}, base, body=body, initial_deps=[AUTH]))
    return write_project(root, apps)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[CheckRun, CheckRun]:
    first = run_check(_write(tmp_path_factory.mktemp("unsafe"), {k: op for k, (op, _) in UNSAFE.items()}))
    fixes = {label: first.verdict(label, "0002_change")["findings"][0]["fix"] for label in UNSAFE}
    bodies = {label: "atomic = False" for label, fix in fixes.items() if "atomic = False" in fix}
    for label, fix in fixes.items():  # a fix's djhelm_ack line belongs on the Migration class
        acks = [line for line in fix.splitlines() if line.startswith("djhelm_ack = ")]
        if acks:
            bodies[label] = "\n".join([bodies.get(label, ""), *acks]).strip()
            fixes[label] = "\n".join(line for line in fix.splitlines() if line not in acks)
    second = run_check(_write(tmp_path_factory.mktemp("fixed"), fixes, bodies))
    return first, second


@pytest.mark.parametrize("label", sorted(UNSAFE))
def test_fix_passes(runs: tuple[CheckRun, CheckRun], label: str) -> None:
    first, second = runs
    assert first.rules(label, "0002_change"), "the unsafe case must be flagged first"
    verdict = second.verdict(label, "0002_change")
    assert verdict["phase"] == "pre", verdict
    assert [f for f in verdict["findings"] if f["severity"] != "info"] == []
