"""Model-level rules (CreateModel, RenameModel, AlterModelTable) on real migration files."""

from __future__ import annotations

import pytest

from tests.safety.support import CheckRun, change_apps, create_model, migration, run_check, write_project

BASE = ["('name', models.CharField(max_length=20))"]
CASES: dict[str, str | list[str]] = {
    "create": create_model("Other", "('item', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, "
                                    "to='create.item'))"),
    "rename": "migrations.RenameModel('Item', 'Article')",
    "rename_pinned": [
        "migrations.AlterModelTable('item', 'rename_pinned_item')",
        "migrations.RenameModel('Item', 'Article')",
    ],
    "rename_then_pin": [  # what makemigrations writes after Meta.db_table pins the old name
        "migrations.RenameModel('Item', 'Article')",
        "migrations.AlterModelTable('article', 'rename_then_pin_item')",
    ],
    "rename_then_pin_not_atomic": [
        "migrations.RenameModel('Item', 'Article')",
        "migrations.AlterModelTable('article', 'rename_then_pin_not_atomic_item')",
    ],
    "alter_table": "migrations.AlterModelTable('item', 'legacy_items')",
    "alter_table_same": "migrations.AlterModelTable('item', 'alter_table_same_item')",
    "alter_options": "migrations.AlterModelOptions('item', {'verbose_name': 'thing'})",
}
EXPECTED = {
    "create": ("pre", []),
    "rename": ("blocked", ["rename-model"]),
    "rename_pinned": ("pre", []),
    "rename_then_pin": ("pre", []),
    "rename_then_pin_not_atomic": ("blocked", ["rename-model", "alter-model-table"]),
    "alter_table": ("blocked", ["alter-model-table"]),
    "alter_table_same": ("pre", []),
    "alter_options": ("pre", []),
}
FRESH = migration(
    create_model("Item", *BASE),
    "migrations.RenameModel('Item', 'Article')",
    "migrations.AlterModelTable('article', 'fresh_things')",
    initial=True,
)


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> CheckRun:
    root = tmp_path_factory.mktemp("rename_model")
    apps = change_apps(CASES, BASE, body={"rename_then_pin_not_atomic": "atomic = False"})
    apps["fresh"] = {"0001_initial": FRESH}
    write_project(root, apps)
    return run_check(root)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_model_rules(result: CheckRun, case: str) -> None:
    phase, rules = EXPECTED[case]
    assert (result.phases[f"{case}.0002_change"], result.rules(case, "0002_change")) == (phase, rules)


def test_renaming_a_table_created_in_the_same_migration_is_fine(result: CheckRun) -> None:
    assert (result.phases["fresh.0001_initial"], result.rules("fresh", "0001_initial")) == ("pre", [])


def test_rename_fix_pins_the_old_table(result: CheckRun) -> None:
    (finding,) = result.verdict("rename", "0002_change")["findings"]
    assert "rename_item" in finding["message"] and "rename_article" in finding["message"]
    assert "db_table = 'rename_item'" in finding["fix"]


def test_alter_model_table_fix_keeps_the_name(result: CheckRun) -> None:
    (finding,) = result.verdict("alter_table", "0002_change")["findings"]
    assert "alter_table_item" in finding["message"] and "legacy_items" in finding["message"]
    assert "db_table = 'alter_table_item'" in finding["fix"]
