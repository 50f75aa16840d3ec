"""The checker's "emits no SQL" decision (made without a database) against Django's own answer:
`sqlmigrate` on a real PostgreSQL connection, for every AlterField / RenameField / AddField case of the
rule tests (with each app's 0001 applied, since Django introspects the tables for some changes). An
operation the checker calls SQL-free must produce no statement, and vice versa."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.safety.rules import test_add_field, test_alter_field, test_rename_field
from tests.safety.support import AUTH, change_apps, run_check, write_project

SCRIPT = textwrap.dedent("""
    import io, json, sys
    import django
    django.setup()
    from django.core.management import call_command
    out = {}
    for app in sys.argv[1:]:
        # the tables must exist: Django introspects them to find the index names it drops
        call_command("migrate", app, "0001_initial", verbosity=0)
    for app in sys.argv[1:]:
        buffer = io.StringIO()
        call_command("sqlmigrate", app, "0002_change", stdout=buffer)
        statements = [
            line for line in buffer.getvalue().splitlines()
            if line.strip() and not line.startswith("--") and line.strip() not in ("BEGIN;", "COMMIT;")
        ]
        out[app] = statements
    print(json.dumps(out))
""")


def sqlmigrate_statements(project: Path, apps: dict[str, dict[str, str]]) -> dict[str, list[str]]:
    """app -> the statements `sqlmigrate app 0002_change` prints once each app's 0001 is applied."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["DJANGO_SETTINGS_MODULE"] = "proj.settings"
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, *sorted(apps)],
        cwd=project, env=env, capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


@pytest.mark.postgres
def test_sql_free_operations_match_sqlmigrate(tmp_path: Path, postgres_db: str) -> None:
    apps = {
        **change_apps({k: op for k, (op, _, _) in test_alter_field.CASES.items()}, test_alter_field.BASE),
        **change_apps(
            {k: ops for k, (ops, _, _) in test_rename_field.CASES.items()}, test_rename_field.BASE,
            initial_deps=[AUTH],
        ),
        **change_apps(
            {f"add_{k}": op.replace("'fk.item'", "'add_fk.item'").replace("'m2m.item'", "'add_m2m.item'")
             for k, op in test_add_field.CASES.items()},
            test_add_field.BASE,
        ),
    }
    databases = f"{{'default': __import__('dj_database_url').parse({postgres_db!r})}}"
    write_project(tmp_path, apps, databases=databases)
    checked = run_check(tmp_path)
    assert checked.returncode in (0, 1), checked.stderr

    sql = sqlmigrate_statements(tmp_path, apps)
    disagreements = []
    for app in sorted(apps):
        sql_free = all(effect == "any" for effect in checked.verdict(app, "0002_change")["operations"])
        if sql_free != (sql[app] == []):
            disagreements.append((app, sql_free, sql[app]))
    assert disagreements == []
    # the comparison is not vacuous: both kinds are present
    assert sum(1 for app in apps if sql[app] == []) >= 5
    assert sum(1 for app in apps if sql[app]) >= 20
