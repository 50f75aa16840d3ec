"""Settings that name SQLite (or no database) in CI: the checker still judges the migrations as they run on
PostgreSQL, so code that branches on ``connection.vendor`` takes its PostgreSQL path, and it says so."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.safety.support import CheckRun, create_model, migration, run_check, write_project

# On PostgreSQL this migration adds a NOT NULL column with a Python default (blocked); elsewhere nothing.
BRANCHING = migration(
    deps=[("shop", "0001_initial")],
    body="""
    from django.db import connection
    if connection.vendor == "postgresql":
        operations = [migrations.AddField("item", "qty", models.IntegerField(default=0))]
    else:
        operations = []
    """,
).replace("    operations = [\n\n    ]\n", "")
SQLITE = "{'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': 'ci.sqlite3'}}"


def _project(root: Path, databases: str) -> Path:
    apps = {"shop": {
        "0001_initial": migration(create_model("Item", "('name', models.CharField(max_length=20))"),
                                  initial=True),
        "0002_branch": BRANCHING,
    }}
    return write_project(root, apps, databases=databases)


@pytest.mark.parametrize("databases", [SQLITE, "none"])
def test_other_engines_are_judged_as_postgresql(tmp_path: Path, databases: str) -> None:
    project = _project(tmp_path, databases)
    checked = run_check(project)
    assert checked.returncode == 1, checked.stderr
    assert checked.rules("shop", "0002_branch") == ["add-field-not-null-default"]
    engine = "sqlite3" if databases == SQLITE else "dummy"
    assert "judged as on PostgreSQL" in checked.stderr and engine in checked.stderr
    assert not (project / "ci.sqlite3").exists()  # nothing was opened


def test_postgresql_settings_get_no_note(tmp_path: Path) -> None:
    checked = run_check(_project(tmp_path, "unreachable"))
    assert checked.rules("shop", "0002_branch") == ["add-field-not-null-default"]
    assert "judged as on PostgreSQL" not in checked.stderr


def _check_without(project: Path, *modules: str) -> CheckRun:
    """`djhelm migrations check --format json` in a process where ``modules`` cannot be imported."""
    blank = "import sys; " + "".join(f"sys.modules[{name!r}] = None; " for name in modules)
    environment = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH")}
    done = subprocess.run(
        [sys.executable, "-c", blank + "sys.argv[0] = 'djhelm'; from djhelm.cli import main; main()",
         "migrations", "check", str(project), "--format", "json"],
        capture_output=True, text=True, env=environment, cwd=project, check=False, timeout=300,
    )
    return CheckRun(done.returncode, done.stdout, done.stderr)


def test_without_a_postgresql_driver_the_connection_still_reports_postgresql(tmp_path: Path) -> None:
    checked = _check_without(_project(tmp_path, SQLITE), "psycopg", "psycopg2")
    assert checked.rules("shop", "0002_branch") == ["add-field-not-null-default"], checked.stderr


def test_runsql_without_the_parser_installed_says_so(tmp_path: Path) -> None:
    """migrate_phase may run in an image with djhelm installed --no-deps: no pglast. A RunSQL is then
    undecided (blocked) with the fix, unless the migration declares its phase."""
    apps = {"shop": {
        "0001_initial": migration(create_model("Item", "('name', models.CharField(max_length=20))"),
                                  initial=True),
        "0002_sql": migration("migrations.RunSQL('CREATE INDEX item_name ON shop_item (name)')",
                              deps=[("shop", "0001_initial")]),
        "0003_declared": migration("migrations.RunSQL('SELECT 1')", deps=[("shop", "0002_sql")],
                                   body="djhelm_phase = 'pre'"),
    }}
    checked = _check_without(write_project(tmp_path, apps), "pglast")
    assert checked.returncode == 1, checked.stderr
    assert checked.phases["shop.0002_sql"] == "blocked"
    finding = checked.verdict("shop", "0002_sql")["findings"][0]
    assert finding["rule"] == "run-sql-parser-missing" and "pip install pglast" in finding["fix"]
    assert checked.phases["shop.0003_declared"] == "pre"
