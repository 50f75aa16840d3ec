"""The checker's "emits no SQL" decision (made without a database) against Django's own answer, for every
AlterField / RenameField / AddField case of the rule tests: `sqlmigrate` on a real PostgreSQL connection
(with each app's 0001 applied, since Django introspects the tables for some changes) and the statements
PostgreSQL really receives when `migrate` applies 0002. An operation the checker calls SQL-free must
produce no statement, and vice versa."""

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


APPLY_SCRIPT = textwrap.dedent("""
    import json, sys
    import django
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    out = {}
    for app in sys.argv[1:]:
        call_command("migrate", app, "0001_initial", verbosity=0)

    def record(execute, sql, params, many, context):
        statement = " ".join(sql.split())
        bookkeeping = ("SELECT", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")
        # a session SET is bookkeeping; "SET CONSTRAINTS ...; ALTER TABLE ... DROP CONSTRAINT" is not
        session_setting = statement.upper().startswith("SET ") and ";" not in statement
        if not statement.upper().startswith(bookkeeping) and not session_setting and (
                "django_migrations" not in statement):
            current.append(statement)
        return execute(sql, params, many, context)

    for app in sys.argv[1:]:
        current = out.setdefault(app, [])
        with connection.execute_wrapper(record):
            call_command("migrate", app, "0002_change", verbosity=0)
    print(json.dumps(out))
""")


def applied_statements(project: Path, apps: dict[str, dict[str, str]]) -> dict[str, list[str]]:
    """app -> the schema statements PostgreSQL receives while `migrate` applies 0002_change (after 0001),
    as Django's cursor sends them: introspection queries and Django's own bookkeeping left out."""
    return _run_json(project, APPLY_SCRIPT, apps)


def _run_json(project: Path, script: str, apps: dict[str, dict[str, str]]) -> dict[str, list[str]]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["DJANGO_SETTINGS_MODULE"] = "proj.settings"
    done = subprocess.run(
        [sys.executable, "-c", script, *sorted(apps)],
        cwd=project, env=env, capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def sqlmigrate_statements(project: Path, apps: dict[str, dict[str, str]]) -> dict[str, list[str]]:
    """app -> the statements `sqlmigrate app 0002_change` prints once each app's 0001 is applied."""
    return _run_json(project, SCRIPT, apps)


@pytest.mark.postgres
def test_sql_free_operations_match_sqlmigrate(tmp_path: Path, postgres_db: str) -> None:
    apps = {
        **change_apps({k: op for k, (op, _, _) in test_alter_field.CASES.items()}, test_alter_field.BASE),
        **change_apps(
            {k: ops for k, (ops, _, _) in test_rename_field.CASES.items()}, test_rename_field.BASE,
            initial_deps=[AUTH],
        ),
        **test_alter_field.foreign_key_apps(),
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
    applied = applied_statements(tmp_path, apps)
    disagreements = []
    for app in sorted(apps):
        sql_free = all(effect == "any" for effect in checked.verdict(app, "0002_change")["operations"])
        if sql_free != (sql[app] == []) or sql_free != (applied[app] == []):
            disagreements.append((app, sql_free, sql[app], applied[app]))
    assert disagreements == []

    # What an AlterField finding says Django rebuilds is what PostgreSQL receives.
    for app in sorted([*test_alter_field.CASES, *test_alter_field.FK_CASES]):
        rules = set(checked.rules(app, "0002_change"))
        statements = " ;".join(applied[app])
        fk_rebuilt = "DROP CONSTRAINT" in statements and "FOREIGN KEY" in statements
        like_rebuilt = "DROP INDEX" in statements and "_like" in statements and (
            "pattern_ops" in statements.split("DROP INDEX", 1)[1])
        assert ("alter-field-foreign-key-revalidated" in rules) == fk_rebuilt, (app, applied[app])
        assert ("alter-field-like-index" in rules) == like_rebuilt or "alter-field-type" in rules, (
            app, applied[app])
    # the comparison is not vacuous: both kinds are present
    assert sum(1 for app in apps if sql[app] == []) >= 5
    assert sum(1 for app in apps if sql[app]) >= 20
