"""The fixes the index and constraint rules print are real code: pasted into a migration, they pass.

First check: the unsafe operations. Second check: a project whose migrations are the printed fixes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.safety.support import CheckRun, create_model, migration, run_check, write_project

BASE = ["('name', models.CharField(max_length=20))", "('qty', models.IntegerField(null=True))"]
IMPORTS = "from django.contrib.postgres.operations import (AddConstraintNotValid, AddIndexConcurrently, " \
          "RemoveIndexConcurrently, ValidateConstraint)"
UNSAFE = {
    "fix_unique": "migrations.AddConstraint('item', "
                  "models.UniqueConstraint(fields=['name'], name='item_name_uq'))",
    "fix_together": "migrations.AlterUniqueTogether('item', {('name', 'qty')})",
    "fix_index": "migrations.AddIndex('item', models.Index(fields=['qty'], name='item_qty_ix'))",
    "fix_check": "migrations.AddConstraint('item', models.CheckConstraint(condition=models.Q(qty__gte=0), "
                 "name='item_qty_gte'))",
}


def _project(root: Path, second: dict[str, list[tuple[str, str]]]) -> Path:
    """second: app -> [(migration body, operation source)] after a shared 0001."""
    apps: dict[str, dict[str, str]] = {}
    for label, steps in second.items():
        files = {"0001_initial": migration(create_model("Item", *BASE), initial=True)}
        previous = "0001_initial"
        for number, (body, source) in enumerate(steps, start=2):
            name = f"{number:04d}_step"
            files[name] = migration(source, deps=[(label, previous)], body=body, imports=IMPORTS)
            previous = name
        apps[label] = files
    return write_project(root, apps, extra_apps=["django.contrib.postgres"])


def _code(fix: str) -> str:
    """The operation source of a printed fix: drop comments, imports and the Migration attribute."""
    keep = [line for line in fix.splitlines()
            if not line.lstrip().startswith(("#", "from ", "atomic = False", "Replace it"))]
    return "\n".join(keep)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[CheckRun, CheckRun]:
    first = run_check(_project(tmp_path_factory.mktemp("unsafe"),
                               {label: [("", source)] for label, source in UNSAFE.items()}))
    fixed: dict[str, list[tuple[str, str]]] = {}
    for label in UNSAFE:
        (finding,) = first.verdict(label, "0002_step")["findings"]
        fix = finding["fix"]
        if "# a later migration (post):" in fix:
            pre, post = fix.split("# a later migration (post):")
            fixed[label] = [("", _code(pre)), ("", _code(post))]
        else:
            fixed[label] = [("atomic = False", _code(fix))]
    second = run_check(_project(tmp_path_factory.mktemp("fixed"), fixed))
    return first, second


@pytest.mark.parametrize("label", sorted(UNSAFE))
def test_the_printed_fix_passes(runs: tuple[CheckRun, CheckRun], label: str) -> None:
    first, second = runs
    assert first.phases[f"{label}.0002_step"] in ("blocked", "pre")
    assert first.rules(label, "0002_step")
    assert second.phases[f"{label}.0002_step"] == "pre", second.verdict(label, "0002_step")
    errors = [f for f in second.verdict(label, "0002_step")["findings"] if f["severity"] != "info"]
    assert errors == []


def test_check_fix_validates_after_the_rollout(runs: tuple[CheckRun, CheckRun]) -> None:
    assert runs[1].phases["fix_check.0003_step"] == "post"
