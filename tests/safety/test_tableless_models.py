"""Models with no table of their own (unmanaged, proxy, swapped out by a setting): Django's schema editor
skips every operation on them (`allow_migrate_model` -> `_meta.can_migrate()`), so the checker must not
report a dropped table or a blocked column change. Checked against `sqlmigrate` on a real PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.safety.support import create_model, migration, run_check, write_project
from tests.safety.test_no_sql_agrees_with_django import sqlmigrate_statements

OPTIONS = {
    "unmanaged": "{'managed': False, 'db_table': 'legacy_item'}",
    "proxied": "{'proxy': True}",
    "swapped": "{'swappable': 'DJHELM_TEST_ITEM_MODEL'}",
}
# The same contract-and-worse changes on each kind of model: on a real table each would be post or blocked.
CHANGES = {
    "delete": "migrations.DeleteModel('Thing')",
    "not_null": "migrations.AddField('thing', 'code', models.CharField(max_length=5, default='x'))",
    "remove": "migrations.RemoveField('thing', 'name')",
    "alter": "migrations.AlterField('thing', 'name', models.IntegerField(default=0))",
    "rename": "migrations.RenameField('thing', 'name', 'title')",
    "rename_model": "migrations.RenameModel('Thing', 'Other')",
    "table": "migrations.AlterModelTable('thing', 'elsewhere')",
}


def _apps() -> dict[str, dict[str, str]]:
    apps: dict[str, dict[str, str]] = {}
    for kind, options in OPTIONS.items():
        for change, operation in CHANGES.items():
            if kind == "proxied" and change in ("not_null", "remove", "alter", "rename", "table"):
                continue  # a proxy has no fields of its own to change, nor a table to rename
            label = f"{kind}_{change}"
            base = create_model("Item", "('name', models.CharField(max_length=20))")
            if kind == "proxied":
                thing = (
                    f"migrations.CreateModel(name='Thing', fields=[], options={options}, "
                    f"bases=('{label}.item',))"
                )
            else:
                thing = create_model("Thing", "('name', models.CharField(max_length=20))").replace(
                    "],\n)", f"],\n    options={options},\n)"
                )
            apps[label] = {
                "0001_initial": migration(base, thing, initial=True),
                "0002_change": migration(operation, deps=[(label, "0001_initial")]),
            }
    return apps


@pytest.mark.postgres
def test_operations_on_models_without_a_table_emit_no_sql_and_get_no_finding(
    tmp_path: Path, postgres_db: str
) -> None:
    apps = _apps()
    databases = f"{{'default': __import__('dj_database_url').parse({postgres_db!r})}}"
    write_project(
        tmp_path, apps, databases=databases, settings_extra="DJHELM_TEST_ITEM_MODEL = 'auth.Group'\n"
    )
    checked = run_check(tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    sql = sqlmigrate_statements(tmp_path, apps)
    for app in sorted(apps):
        verdict = checked.verdict(app, "0002_change")
        assert sql[app] == [], (app, sql[app])  # Django's own answer
        assert verdict["operations"] == ["any"] and verdict["findings"] == [], (app, verdict)
        assert verdict["phase"] == "pre", (app, verdict)


def test_the_same_changes_on_a_real_table_are_still_judged(tmp_path: Path) -> None:
    """The control: with a table of its own, deleting the model is a contract step, and so on."""
    apps = {
        f"real_{change}": {
            "0001_initial": migration(create_model("Thing", "('name', models.CharField(max_length=20))"),
                                      initial=True),
            "0002_change": migration(operation, deps=[(f"real_{change}", "0001_initial")]),
        }
        for change, operation in CHANGES.items()
    }
    write_project(tmp_path, apps)
    checked = run_check(tmp_path)
    phases = {app: checked.phases[f"{app}.0002_change"] for app in apps}
    assert phases["real_delete"] == "post" and phases["real_remove"] == "blocked"
    assert phases["real_not_null"] == "blocked" and phases["real_rename"] == "blocked"
