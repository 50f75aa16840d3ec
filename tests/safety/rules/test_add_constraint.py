"""Constraint rules (AddConstraint, ValidateConstraint, RemoveConstraint, AlterUniqueTogether) on real
migration files in a temp project: one app per case, checked once."""

from __future__ import annotations

import pytest

from tests.safety.support import CheckRun, create_model, migration, run_check, write_project

PG_OPS = "import django.contrib.postgres.operations as pg\nimport django.contrib.postgres.constraints as pgc"
BASE = [
    "('name', models.CharField(max_length=20))",
    "('qty', models.IntegerField(null=True))",
    "('period', django.contrib.postgres.fields.IntegerRangeField(null=True))",
]
CHECK = "models.CheckConstraint(condition=models.Q(qty__gte=0), name='item_qty_gte_0')"
UNIQUE = "models.UniqueConstraint(fields=['name'], name='item_name_uniq')"
PARTIAL = "models.UniqueConstraint(fields=['name'], condition=models.Q(qty__gt=0), name='item_name_pos')"
EXCLUDE = ("pgc.ExclusionConstraint(name='item_no_overlap', "
           "expressions=[('period', django.contrib.postgres.fields.RangeOperators.OVERLAPS)])")
CASES: dict[str, tuple[list[str], list[str], str]] = {
    # case: (extra operations of 0001, operations of 0002, Migration body of 0002)
    "check": ([], [f"migrations.AddConstraint('item', {CHECK})"], ""),
    "check_not_valid": ([], [f"pg.AddConstraintNotValid('item', {CHECK})"], ""),
    "validate": ([f"pg.AddConstraintNotValid('item', {CHECK})"],
                 ["pg.ValidateConstraint('item', 'item_qty_gte_0')"], ""),
    "validate_acked": ([f"pg.AddConstraintNotValid('item', {CHECK})"],
                       ["pg.ValidateConstraint('item', 'item_qty_gte_0')"],
                       "djhelm_ack = {'validate-constraint': 'backfill ran in 0001'}"),
    "validate_same_migration": ([], [f"pg.AddConstraintNotValid('item', {CHECK})",
                                     "pg.ValidateConstraint('item', 'item_qty_gte_0')"], ""),
    "validate_same_non_atomic": ([], [f"pg.AddConstraintNotValid('item', {CHECK})",
                                      "pg.ValidateConstraint('item', 'item_qty_gte_0')"],
                                 "atomic = False\ndjhelm_ack = {'validate-constraint': 'rows checked'}"),
    "unique": ([], [f"migrations.AddConstraint('item', {UNIQUE})"], ""),
    "unique_partial": ([], [f"migrations.AddConstraint('item', {PARTIAL})"], ""),
    "exclusion": ([], [f"migrations.AddConstraint('item', {EXCLUDE})"], ""),
    "remove_check": ([f"migrations.AddConstraint('item', {CHECK})"],
                     ["migrations.RemoveConstraint('item', 'item_qty_gte_0')"], ""),
    "remove_unique": ([f"migrations.AddConstraint('item', {UNIQUE})"],
                      ["migrations.RemoveConstraint('item', 'item_name_uniq')"], ""),
    "together_add": ([], ["migrations.AlterUniqueTogether('item', {('name', 'qty')})"], ""),
    "together_remove": (["migrations.AlterUniqueTogether('item', {('name', 'qty')})"],
                        ["migrations.AlterUniqueTogether('item', set())"], ""),
    "together_grow": (["migrations.AlterUniqueTogether('item', {('name', 'qty')})"],
                      ["migrations.AlterUniqueTogether('item', {('name', 'qty'), ('qty', 'period')})"], ""),
}
EXPECTED = {
    "check": ("blocked", ["add-constraint-check"]),
    "check_not_valid": ("pre", []),
    "validate": ("post", ["validate-constraint"]),
    "validate_acked": ("pre", []),
    "validate_same_migration": ("blocked", ["validate-constraint-same-transaction"]),
    "validate_same_non_atomic": ("pre", []),
    "unique": ("blocked", ["add-constraint-unique"]),
    "unique_partial": ("blocked", ["add-constraint-unique"]),
    "exclusion": ("blocked", ["add-constraint-exclusion"]),
    "remove_check": ("pre", []),
    "remove_unique": ("pre", []),
    "together_add": ("blocked", ["unique-together"]),
    "together_remove": ("pre", []),
    "together_grow": ("blocked", ["unique-together"]),
}
FRESH = migration(
    create_model("Item", *BASE),
    f"migrations.AddConstraint('item', {CHECK})",
    f"migrations.AddConstraint('item', {UNIQUE})",
    "migrations.AlterUniqueTogether('item', {('name', 'qty')})",
    imports=PG_OPS + "\nimport django.contrib.postgres.fields",
    initial=True,
)


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> CheckRun:
    root = tmp_path_factory.mktemp("add_constraint")
    imports = PG_OPS + "\nimport django.contrib.postgres.fields"
    apps = {
        label: {
            "0001_initial": migration(create_model("Item", *BASE), *first, imports=imports, initial=True),
            "0002_change": migration(*ops, deps=[(label, "0001_initial")], body=body, imports=imports),
        }
        for label, (first, ops, body) in CASES.items()
    }
    apps["fresh"] = {"0001_initial": FRESH}
    write_project(root, apps, extra_apps=["django.contrib.postgres"])
    return run_check(root)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_constraint_rules(result: CheckRun, case: str) -> None:
    phase, rules = EXPECTED[case]
    assert (result.phases[f"{case}.0002_change"], result.rules(case, "0002_change")) == (phase, rules)


def test_constraints_on_a_new_table_are_exempt(result: CheckRun) -> None:
    assert (result.phases["fresh.0001_initial"], result.rules("fresh", "0001_initial")) == ("pre", [])


def test_check_fix_is_not_valid_then_validate(result: CheckRun) -> None:
    (finding,) = result.verdict("check", "0002_change")["findings"]
    assert "AddConstraintNotValid('item', models.CheckConstraint(" in finding["fix"]
    assert "ValidateConstraint('item', 'item_qty_gte_0')" in finding["fix"]
    assert "ACCESS EXCLUSIVE" in finding["message"]


def test_unique_fix_attaches_a_concurrent_index(result: CheckRun) -> None:
    (finding,) = result.verdict("unique", "0002_change")["findings"]
    fix = finding["fix"]
    assert 'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "item_name_uniq"' in fix
    assert 'ON "unique_item" ("name")' in fix
    assert 'ADD CONSTRAINT "item_name_uniq" UNIQUE USING INDEX "item_name_uniq"' in fix
    assert "state_operations=[migrations.AddConstraint('item'" in fix


def test_partial_unique_fix_has_no_using_index(result: CheckRun) -> None:
    (finding,) = result.verdict("unique_partial", "0002_change")["findings"]
    assert "CONCURRENTLY" in finding["fix"] and "USING INDEX" not in finding["fix"]


def test_unique_says_which_lock(result: CheckRun) -> None:
    (plain,) = result.verdict("unique", "0002_change")["findings"]
    (partial,) = result.verdict("unique_partial", "0002_change")["findings"]
    assert "ACCESS EXCLUSIVE" in plain["message"] and "reads and writes wait" in plain["message"]
    assert "SHARE lock" in partial["message"] and "reads continue" in partial["message"]


def test_acknowledged_validate_keeps_the_reason(result: CheckRun) -> None:
    (finding,) = result.verdict("validate_acked", "0002_change")["findings"]
    assert finding["acknowledged"] == "backfill ran in 0001"


def test_unique_together_names_the_new_set_only(result: CheckRun) -> None:
    (finding,) = result.verdict("together_grow", "0002_change")["findings"]
    assert "('qty', 'period')" in finding["message"] and "('name', 'qty')" not in finding["message"]
