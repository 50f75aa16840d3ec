"""RunSQL, judged statement by statement, on real migration files (the SQL judge itself: test_sql.py)."""

from __future__ import annotations

import pytest

from tests.safety.support import CheckRun, change_apps, create_model, migration, run_check, write_project

BASE = ["('name', models.CharField(max_length=20))", "('qty', models.IntegerField(null=True))"]
T = "{app}_item"
CASES: dict[str, str | list[str]] = {
    "index": "migrations.RunSQL('CREATE INDEX item_qty ON {T} (qty)', reverse_sql='DROP INDEX item_qty')",
    "index_concurrent": "migrations.RunSQL('CREATE INDEX CONCURRENTLY IF NOT EXISTS item_qty ON {T} (qty)')",
    "index_concurrent_atomic": "migrations.RunSQL('CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON {T} (qty)')",
    "add_column": "migrations.RunSQL('ALTER TABLE {T} ADD COLUMN note text')",
    "drop_column": "migrations.RunSQL('ALTER TABLE {T} DROP COLUMN qty')",
    "rename": "migrations.RunSQL('ALTER TABLE {T} RENAME COLUMN qty TO amount')",
    "check_not_valid": "migrations.RunSQL('ALTER TABLE {T} ADD CONSTRAINT c CHECK (qty > 0) NOT VALID')",
    "check": "migrations.RunSQL('ALTER TABLE {T} ADD CONSTRAINT c CHECK (qty > 0)')",
    "update_all": "migrations.RunSQL('UPDATE {T} SET qty = 0')",
    "list_form": "migrations.RunSQL(['ALTER TABLE {T} ADD COLUMN note text', "
                 "('UPDATE {T} SET note = %s WHERE id < %s', ['x', 100])])",
    "mixed": "migrations.RunSQL('ALTER TABLE {T} ADD COLUMN note text; ALTER TABLE {T} DROP COLUMN qty')",
    "garbage": "migrations.RunSQL('this is not sql')",
    "garbage_declared": "migrations.RunSQL('this is not sql')",
    "do_block": "migrations.RunSQL('DO $$ BEGIN PERFORM 1; END $$')",
    "reverse_ignored": "migrations.RunSQL('SELECT 1', reverse_sql='DROP TABLE {T}')",
    "noop": "migrations.RunSQL(migrations.RunSQL.noop, reverse_sql='DROP TABLE {T}')",
    "acked": "migrations.RunSQL('UPDATE {T} SET qty = 0')",
}
BODY = {
    "index_concurrent": "atomic = False",
    "garbage_declared": "djhelm_phase = 'pre'",
    "acked": "djhelm_ack = {'run-sql-unbatched-write': 'table has 12 rows'}",
}
EXPECTED = {
    "index": ("pre", ["run-sql-index-blocks-writes"]),
    "index_concurrent": ("pre", []),
    "index_concurrent_atomic": ("blocked", ["run-sql-concurrently-in-transaction"]),
    "add_column": ("pre", []),
    "drop_column": ("post", ["run-sql-contract"]),
    "rename": ("blocked", ["run-sql-rename"]),
    "check_not_valid": ("pre", []),
    "check": ("blocked", ["run-sql-constraint-validates"]),
    "update_all": ("pre", ["run-sql-unbatched-write"]),
    "list_form": ("pre", []),
    "mixed": ("blocked", ["run-sql-contract", "run-sql-mixed-phases"]),
    "garbage": ("blocked", ["run-sql-unparseable"]),
    "garbage_declared": ("pre", ["run-sql-unparseable"]),
    "do_block": ("blocked", ["run-sql-opaque-block"]),
    "reverse_ignored": ("pre", []),
    "noop": ("pre", []),
    "acked": ("pre", []),
}
FRESH = migration(
    create_model("Item", *BASE),
    "migrations.RunSQL('CREATE INDEX item_qty ON fresh_item (qty); "
    "ALTER TABLE fresh_item ADD CONSTRAINT c CHECK (qty > 0); UPDATE fresh_item SET qty = 1')",
    initial=True,
)


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> CheckRun:
    root = tmp_path_factory.mktemp("run_sql")
    cases = {label: source.replace("{T}", T.format(app=label)) for label, source in CASES.items()}
    apps = change_apps(cases, BASE, body=BODY)
    apps["fresh"] = {"0001_initial": FRESH}
    write_project(root, apps)
    return run_check(root)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_run_sql(result: CheckRun, case: str) -> None:
    phase, rules = EXPECTED[case]
    assert (result.phases[f"{case}.0002_change"], result.rules(case, "0002_change")) == (phase, rules)


def test_sql_on_a_table_created_in_the_same_migration_is_exempt(result: CheckRun) -> None:
    assert (result.phases["fresh.0001_initial"], result.rules("fresh", "0001_initial")) == ("pre", [])


def test_findings_name_the_statement(result: CheckRun) -> None:
    findings = result.verdict("mixed", "0002_change")["findings"]
    contract = next(f for f in findings if f["rule"] == "run-sql-contract")
    assert contract["message"].startswith("statement 2 (ALTER TABLE mixed_item DROP COLUMN qty)")
    assert contract["operation"] == 0


def test_declared_phase_settles_unparseable_sql(result: CheckRun) -> None:
    (finding,) = result.verdict("garbage_declared", "0002_change")["findings"]
    assert finding["severity"] == "info"
    (undeclared,) = result.verdict("garbage", "0002_change")["findings"]
    assert undeclared["severity"] == "error" and "declare" in undeclared["fix"]


def test_acknowledged_statement_finding_keeps_its_reason(result: CheckRun) -> None:
    (finding,) = result.verdict("acked", "0002_change")["findings"]
    assert (finding["rule"], finding["acknowledged"]) == ("run-sql-unbatched-write", "table has 12 rows")
