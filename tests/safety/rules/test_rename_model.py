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


REFERENCED: dict[str, tuple[str, list[str], str, list[str]]] = {
    # case: (field of Other pointing at Item, operations of 0002, expected phase, expected rule ids)
    "fk_then_pin": ("models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='fk_then_pin.item')",
                    ["migrations.RenameModel('Item', 'Article')",
                     "migrations.AlterModelTable('article', 'fk_then_pin_item')"],
                    "pre", ["rename-model-foreign-keys"]),
    "fk_pin_first": ("models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='fk_pin_first.item')",
                     ["migrations.AlterModelTable('item', 'fk_pin_first_item')",
                      "migrations.RenameModel('Item', 'Article')"],
                     "pre", []),
    "m2m_pin_first": ("models.ManyToManyField(to='m2m_pin_first.item')",
                      ["migrations.AlterModelTable('item', 'm2m_pin_first_item')",
                       "migrations.RenameModel('Item', 'Article')"],
                      "blocked", ["rename-model"]),
    "m2m_then_pin": ("models.ManyToManyField(to='m2m_then_pin.item')",
                     ["migrations.RenameModel('Item', 'Article')",
                      "migrations.AlterModelTable('article', 'm2m_then_pin_item')"],
                     "blocked", ["rename-model"]),
}


def test_models_pointing_at_the_renamed_model(tmp_path_factory: pytest.TempPathFactory) -> None:
    root = tmp_path_factory.mktemp("rename_referenced")
    apps = {
        label: {
            "0001_initial": migration(create_model("Item"), create_model("Other", f"('ref', {field})"),
                                      initial=True),
            "0002_change": migration(*ops, deps=[(label, "0001_initial")]),
        }
        for label, (field, ops, _, _) in REFERENCED.items()
    }
    write_project(root, apps)
    result = run_check(root)
    got = {app: (result.phases[f"{app}.0002_change"], result.rules(app, "0002_change")) for app in apps}
    assert got == {label: (phase, rules) for label, (_, _, phase, rules) in REFERENCED.items()}
    # the join table's column is named after the model: Django renames it (sqlmigrate shows RENAME COLUMN)
    message = result.verdict("m2m_pin_first", "0002_change")["findings"][0]["message"]
    assert "renames column item_id of m2m_pin_first_other_ref to article_id" in message
    fix = result.verdict("fk_then_pin", "0002_change")["findings"][0]["fix"]
    assert fix.index("AlterModelTable('item', 'fk_then_pin_item')") < fix.index("RenameModel('Item'")
