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


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> CheckRun:
    root = tmp_path_factory.mktemp("remove_field")
    apps = change_apps({label: op for label, (op, _, _) in CASES.items()}, BASE, initial_deps=[AUTH])
    apps["acked"] = change_apps({"acked": CASES["not_null"][0]}, BASE, initial_deps=[AUTH], body={
        "acked": "djhelm_ack = {'remove-field-not-null': 'no INSERTs into this table any more'}"
    })["acked"]
    write_project(root, apps)
    return run_check(root)


@pytest.mark.parametrize("case", sorted(CASES))
def test_remove_field(result: CheckRun, case: str) -> None:
    _, phase, rules = CASES[case]
    assert (result.phases[f"{case}.0002_change"], result.rules(case, "0002_change")) == (phase, rules)


def test_not_null_fix_is_a_two_release_plan(result: CheckRun) -> None:
    fix = result.verdict("not_null", "0002_change")["findings"][0]["fix"]
    assert "null=True" in fix and "RemoveField('item', 'name')" in fix


def test_acknowledged_not_null_removal_is_still_post(result: CheckRun) -> None:
    assert result.phases["acked.0002_change"] == "post"
