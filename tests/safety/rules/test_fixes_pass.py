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


def _project(root: Path, second: dict[str, list[tuple[str, str]]], databases: str = "none") -> Path:
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
    return write_project(root, apps, extra_apps=["django.contrib.postgres"], databases=databases)


def _code(fix: str) -> str:
    """The operation source of a printed fix: drop comments, imports and the Migration attribute."""
    keep = [line for line in fix.splitlines()
            if not line.lstrip().startswith(("#", "from ", "atomic = False", "Replace it"))]
    return "\n".join(keep)


Fixed = dict[str, list[tuple[str, str]]]


@pytest.fixture(scope="module")
def fixed_and_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Fixed, CheckRun, CheckRun]:
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
    return fixed, first, second


@pytest.fixture(scope="module")
def runs(fixed_and_runs: tuple[Fixed, CheckRun, CheckRun]) -> tuple[CheckRun, CheckRun]:
    return fixed_and_runs[1], fixed_and_runs[2]


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


@pytest.mark.postgres
def test_the_printed_fixes_migrate_on_postgresql(
        fixed_and_runs: tuple[Fixed, CheckRun, CheckRun], postgres_db: str, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    import dj_database_url

    fixed = fixed_and_runs[0]
    root = _project(tmp_path, fixed, databases=repr({"default": dj_database_url.parse(postgres_db)}))
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH")}
    done = subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=root, env=env,
                          capture_output=True, text=True, check=False, timeout=300)
    assert done.returncode == 0, done.stderr
    import psycopg

    with psycopg.connect(postgres_db) as conn:
        rows = conn.execute(
            "SELECT conname FROM pg_constraint WHERE conname IN ('item_name_uq', 'item_qty_gte') "
            "UNION ALL SELECT indexname FROM pg_indexes WHERE indexname = 'item_qty_ix' ORDER BY 1"
        ).fetchall()
        valid = conn.execute("SELECT bool_and(indisvalid) FROM pg_index").fetchone()
    assert [r[0] for r in rows] == ["item_name_uq", "item_qty_gte", "item_qty_ix"]
    assert valid == (True,)
