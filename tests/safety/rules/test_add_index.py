"""Index rules (AddIndex, AddIndexConcurrently, RemoveIndex(Concurrently), AlterIndexTogether) on real
migration files in a temp project: one app per case, checked once."""

from __future__ import annotations

import pytest

from tests.safety.support import CheckRun, create_model, migration, run_check, write_project

PG_OPS = "import django.contrib.postgres.operations as pg"
BASE = ["('name', models.CharField(max_length=20))", "('rank', models.IntegerField(null=True))"]
INDEX = "models.Index(fields=['rank'], name='item_rank_idx')"
INDEXED = [*BASE]
CASES: dict[str, tuple[list[str], str]] = {
    # case: (operations of 0002, Migration body)
    "add_index": ([f"migrations.AddIndex('item', {INDEX})"], ""),
    "add_index_expression": (
        ["migrations.AddIndex('item', models.Index(models.F('rank').desc(), name='item_rank_desc'))"], ""),
    "idx_concurrent": ([f"pg.AddIndexConcurrently('item', {INDEX})"], "atomic = False"),
    "idx_concurrent_atomic": ([f"pg.AddIndexConcurrently('item', {INDEX})"], ""),
    "rename_index": (
        ["migrations.RenameIndex('item', new_name='item_rank_ix', old_name='item_rank_idx')"], ""),
    "index_together_add": (["migrations.AlterIndexTogether('item', {('name', 'rank')})"], ""),
}
# Cases whose 0001 already has the index (created in 0001 with the table: exempt there).
DROP_CASES: dict[str, tuple[list[str], str]] = {
    "remove_index": (["migrations.RemoveIndex('item', 'item_rank_idx')"], ""),
    "remove_idx_concurrent": (["pg.RemoveIndexConcurrently('item', 'item_rank_idx')"], "atomic = False"),
    "remove_idx_concurrent_atomic": (["pg.RemoveIndexConcurrently('item', 'item_rank_idx')"], ""),
}
EXPECTED = {
    "add_index": ("pre", ["add-index"]),
    "add_index_expression": ("pre", ["add-index"]),
    "idx_concurrent": ("pre", ["add-index-concurrently"]),
    "idx_concurrent_atomic": ("blocked", ["add-index-concurrently-atomic", "add-index-concurrently"]),
    "rename_index": ("pre", []),
    "index_together_add": ("pre", ["index-together-add"]),
    "index_together_remove": ("post", ["index-together-remove"]),
    "remove_index": ("post", ["remove-index"]),
    "remove_idx_concurrent": ("post", ["remove-index"]),
    "remove_idx_concurrent_atomic": ("blocked", ["remove-index-concurrently-atomic", "remove-index"]),
}
# Indexes on a table created in the same migration: nothing to flag.
FRESH = migration(
    create_model("Item", *BASE),
    f"migrations.AddIndex('item', {INDEX})",
    "migrations.AlterIndexTogether('item', {('name', 'rank')})",
    "migrations.RemoveIndex('item', 'item_rank_idx')",
    initial=True,
)
FRESH_CONCURRENT = migration(
    create_model("Item", *BASE), f"pg.AddIndexConcurrently('item', {INDEX})",
    imports=PG_OPS, body="atomic = False", initial=True)


def _app(label: str, initial_ops: list[str], ops: list[str], body: str) -> dict[str, str]:
    return {
        "0001_initial": migration(create_model("Item", *BASE), *initial_ops, initial=True),
        "0002_change": migration(*ops, deps=[(label, "0001_initial")], body=body, imports=PG_OPS),
    }


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> CheckRun:
    root = tmp_path_factory.mktemp("add_index")
    apps = {label: _app(label, [], ops, body) for label, (ops, body) in CASES.items()}
    apps["rename_index"] = _app("rename_index", [f"migrations.AddIndex('item', {INDEX})"],
                                *CASES["rename_index"])
    for label, (ops, body) in DROP_CASES.items():
        apps[label] = _app(label, [f"migrations.AddIndex('item', {INDEX})"], ops, body)
    apps["index_together_remove"] = _app(
        "index_together_remove", ["migrations.AlterIndexTogether('item', {('name', 'rank')})"],
        ["migrations.AlterIndexTogether('item', set())"], "")
    apps["fresh"] = {"0001_initial": FRESH}
    apps["fresh_concurrent"] = {"0001_initial": FRESH_CONCURRENT}
    write_project(root, apps, extra_apps=["django.contrib.postgres"])
    return run_check(root)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_index_rules(result: CheckRun, case: str) -> None:
    phase, rules = EXPECTED[case]
    assert (result.phases[f"{case}.0002_change"], sorted(result.rules(case, "0002_change"))) == (
        phase, sorted(rules))


def test_index_on_a_table_created_in_the_same_migration_is_exempt(result: CheckRun) -> None:
    assert result.phases["fresh.0001_initial"] == "pre"
    assert result.rules("fresh", "0001_initial") == []
    assert result.rules("fresh_concurrent", "0001_initial") == []


def test_add_index_fix_is_a_concurrent_build(result: CheckRun) -> None:
    (finding,) = result.verdict("add_index", "0002_change")["findings"]
    expected = "AddIndexConcurrently('item', models.Index(fields=['rank'], name='item_rank_idx'))"
    assert expected in finding["fix"]
    assert "atomic = False" in finding["fix"]
    assert "SHARE lock" in finding["message"] and "item_item" not in finding["message"]
    assert finding["severity"] == "warning"


def test_concurrent_build_warns_about_invalid_leftovers(result: CheckRun) -> None:
    (finding,) = result.verdict("idx_concurrent", "0002_change")["findings"]
    assert "INVALID" in finding["message"]


def test_remove_index_fix_is_concurrent(result: CheckRun) -> None:
    (finding,) = result.verdict("remove_index", "0002_change")["findings"]
    assert "RemoveIndexConcurrently('item', 'item_rank_idx')" in finding["fix"]
    assert "ACCESS EXCLUSIVE" in finding["message"]
