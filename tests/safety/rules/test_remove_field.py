"""RemoveField: post when the column can linger (nullable / db_default), blocked when it cannot."""

from __future__ import annotations

import pytest

from tests.safety.support import AUTH, CheckRun, change_apps, run_check, write_project

BASE = [
    "('note', models.TextField(null=True))",
    "('qty', models.IntegerField(db_default=0))",
    "('name', models.CharField(max_length=20))",
    "('size', models.IntegerField(default=1))",
    "('tags', models.ManyToManyField(to='auth.group'))",
]
CASES: dict[str, tuple[str, str, list[str]]] = {
    "nullable": ("migrations.RemoveField('item', 'note')", "post", ["remove-field"]),
    "db_default": ("migrations.RemoveField('item', 'qty')", "post", ["remove-field"]),
    "not_null": ("migrations.RemoveField('item', 'name')", "blocked", ["remove-field-not-null"]),
    "python_default": ("migrations.RemoveField('item', 'size')", "blocked", ["remove-field-not-null"]),
    "m2m": ("migrations.RemoveField('item', 'tags')", "post", ["remove-field"]),
}
# What makemigrations writes when a model goes: its fields first, then the model. The NOT NULL column goes
# with the table, so no INSERT can miss it: post (the table drop), not blocked.
WITH_THE_TABLE: dict[str, tuple[list[str], str, list[str]]] = {
    "then_delete": (
        ["migrations.RemoveField('item', 'name')", "migrations.DeleteModel('Item')"],
        "post",
        ["remove-field", "delete-model"],
    ),
    "renamed_then_delete": (
        [
            "migrations.RemoveField('item', 'name')",
            "migrations.RenameModel('Item', 'Gone')",
            "migrations.DeleteModel('Gone')",
        ],
        "blocked",  # the rename itself is still a rename of a live table
        ["remove-field", "rename-model", "delete-model"],
    ),
    "other_model_deleted": (
        ["migrations.RemoveField('item', 'name')", "migrations.DeleteModel('Other')"],
        "blocked",
        ["remove-field-not-null", "delete-model"],
    ),
}


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> CheckRun:
    root = tmp_path_factory.mktemp("remove_field")
    apps = change_apps({label: op for label, (op, _, _) in CASES.items()}, BASE, initial_deps=[AUTH])
    apps["acked"] = change_apps({"acked": CASES["not_null"][0]}, BASE, initial_deps=[AUTH], body={
        "acked": "djhelm_ack = {'remove-field-not-null': 'no INSERTs into this table any more'}"
    })["acked"]
    for label, (ops, _, _) in WITH_THE_TABLE.items():
        other = "migrations.CreateModel('Other', fields=[('id', models.BigAutoField(primary_key=True))])"
        apps.update(change_apps({label: ops}, BASE, initial_deps=[AUTH]))
        apps[label]["0001_initial"] = apps[label]["0001_initial"].replace(
            "    operations = [\n", f"    operations = [\n        {other},\n", 1
        )
    write_project(root, apps)
    return run_check(root)


@pytest.mark.parametrize("case", sorted(CASES))
def test_remove_field(result: CheckRun, case: str) -> None:
    _, phase, rules = CASES[case]
    assert (result.phases[f"{case}.0002_change"], result.rules(case, "0002_change")) == (phase, rules)


@pytest.mark.parametrize("case", sorted(WITH_THE_TABLE))
def test_a_field_removed_with_its_table(result: CheckRun, case: str) -> None:
    _, phase, rules = WITH_THE_TABLE[case]
    assert (result.phases[f"{case}.0002_change"], result.rules(case, "0002_change")) == (phase, rules)


def test_not_null_fix_is_a_two_release_plan(result: CheckRun) -> None:
    fix = result.verdict("not_null", "0002_change")["findings"][0]["fix"]
    assert "null=True" in fix and "RemoveField('item', 'name')" in fix


def test_acknowledged_not_null_removal_is_still_post(result: CheckRun) -> None:
    assert result.phases["acked.0002_change"] == "post"
