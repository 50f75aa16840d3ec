"""RenameField: blocked unless the column name is pinned (then no SQL and no finding)."""

from __future__ import annotations

import pytest

from tests.safety.support import AUTH, CheckRun, change_apps, run_check, write_project

BASE = [
    "('title', models.CharField(max_length=50))",
    "('legacy', models.CharField(max_length=20, db_column='legacy_col'))",
    "('owner', models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, to='auth.user'))",
    "('groups', models.ManyToManyField(to='auth.group'))",
]
CASES: dict[str, tuple[list[str], str, list[str]]] = {
    "plain": (["migrations.RenameField('item', 'title', 'headline')"], "blocked", ["rename-field"]),
    "fk": (["migrations.RenameField('item', 'owner', 'user')"], "blocked", ["rename-field"]),
    "pinned_first": ([
        "migrations.AlterField('item', 'title', models.CharField(max_length=50, db_column='title'))",
        "migrations.RenameField('item', 'title', 'headline')",
    ], "pre", []),
    "already_pinned": (["migrations.RenameField('item', 'legacy', 'old')"], "pre", []),
    # the join table of a many-to-many field is named after the field, unless db_table pins it
    "m2m": (["migrations.RenameField('item', 'groups', 'teams')"], "blocked", ["rename-field"]),
    "m2m_pinned": ([
        "migrations.AlterField('item', 'groups', models.ManyToManyField(to='auth.group', "
        "db_table='m2m_pinned_item_groups'))",
        "migrations.RenameField('item', 'groups', 'teams')",
    ], "pre", []),
}


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> CheckRun:
    root = tmp_path_factory.mktemp("rename_field")
    cases = {label: ops for label, (ops, _, _) in CASES.items()}
    write_project(root, change_apps(cases, BASE, initial_deps=[AUTH]))
    return run_check(root)


@pytest.mark.parametrize("case", sorted(CASES))
def test_rename_field(result: CheckRun, case: str) -> None:
    _, phase, rules = CASES[case]
    assert (result.phases[f"{case}.0002_change"], result.rules(case, "0002_change")) == (phase, rules)


def test_fix_pins_the_old_column(result: CheckRun) -> None:
    plain = result.verdict("plain", "0002_change")["findings"][0]
    assert "db_column='title'" in plain["fix"] and "RenameField('item', 'title', 'headline')" in plain["fix"]
    fk = result.verdict("fk", "0002_change")["findings"][0]
    assert "owner_id" in fk["message"] and "db_column='owner_id'" in fk["fix"]


def test_pinned_rename_emits_nothing(result: CheckRun) -> None:
    assert result.verdict("pinned_first", "0002_change")["findings"] == []
    assert result.verdict("m2m_pinned", "0002_change")["operations"] == ["any", "any"]
