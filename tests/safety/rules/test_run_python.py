"""RunPython must declare its phase; SeparateDatabaseAndState is judged by its database operations."""

from __future__ import annotations

import pytest

from tests.safety.support import CheckRun, create_model, migration, run_check, write_project

BASE = ["('name', models.CharField(max_length=20))", "('qty', models.IntegerField(null=True))"]
FUNCS = """
def forwards(apps, schema_editor):
    apps.get_model('{app}', 'Item').objects.filter(qty__isnull=True).update(qty=0)
"""
SAFEMIGRATE = "from django_safemigrate import Safe"
CASES: dict[str, tuple[list[str], str]] = {
    # RunPython
    "py_undeclared": (["migrations.RunPython(forwards, migrations.RunPython.noop)"], ""),
    "py_declared_pre": (["migrations.RunPython(forwards)"], "djhelm_phase = 'pre'"),
    "py_declared_post": (["migrations.RunPython(forwards)"], "djhelm_phase = 'post'"),
    "py_safemigrate": (["migrations.RunPython(forwards)"], "safe = Safe.after_deploy()"),
    "py_not_atomic": (["migrations.RunPython(forwards)"], "djhelm_phase = 'pre'\natomic = False"),
    "py_noop": (["migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)"], ""),
    "py_acked": (["migrations.RunPython(forwards)"],
                 "djhelm_ack = {'run-python-undeclared': 'fills 3 rows'}"),
    # SeparateDatabaseAndState
    "sds_state_only": (["""migrations.SeparateDatabaseAndState(
        state_operations=[migrations.RemoveField('item', 'qty')])"""], ""),
    "sds_concurrent_index": (["""migrations.SeparateDatabaseAndState(
        state_operations=[
            migrations.AlterField('item', 'qty', models.IntegerField(null=True, db_index=True))],
        database_operations=[migrations.RunSQL(
            'CREATE INDEX CONCURRENTLY IF NOT EXISTS item_qty ON sds_concurrent_index_item (qty)')])"""],
                             "atomic = False"),
    "sds_plain_index": (["""migrations.SeparateDatabaseAndState(
        state_operations=[],
        database_operations=[
            migrations.AddIndex('item', models.Index(fields=['qty'], name='i_qty'))])"""], ""),
    "sds_drop_column": (["""migrations.SeparateDatabaseAndState(
        database_operations=[migrations.RemoveField('item', 'qty')])"""], ""),
    "sds_rename_table": (["""migrations.SeparateDatabaseAndState(
        state_operations=[migrations.RenameModel('Item', 'Article')],
        database_operations=[migrations.AlterModelTable('item', 'sds_rename_table_article')])"""], ""),
}
EXPECTED = {
    "py_undeclared": ("blocked", ["run-python-undeclared", "run-python-batching"]),
    "py_declared_pre": ("pre", ["run-python-batching"]),
    "py_declared_post": ("post", ["run-python-batching", "declared-phase-conflict"]),
    "py_safemigrate": ("post", ["run-python-batching", "declared-phase-conflict"]),
    "py_not_atomic": ("pre", []),
    "py_noop": ("pre", []),
    "py_acked": ("pre", ["run-python-batching"]),
    "sds_state_only": ("pre", []),
    "sds_concurrent_index": ("pre", []),
    "sds_plain_index": ("pre", ["add-index"]),
    "sds_drop_column": ("post", ["remove-field"]),
    "sds_rename_table": ("blocked", ["alter-model-table"]),
}


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> CheckRun:
    root = tmp_path_factory.mktemp("run_python")
    apps = {
        label: {
            "0001_initial": migration(create_model("Item", *BASE), initial=True),
            "0002_change": migration(*ops, deps=[(label, "0001_initial")], body=body,
                                     imports=SAFEMIGRATE + FUNCS.format(app=label)),
        }
        for label, (ops, body) in CASES.items()
    }
    write_project(root, apps)
    return run_check(root)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_run_python_and_separate(result: CheckRun, case: str) -> None:
    phase, rules = EXPECTED[case]
    assert (result.phases[f"{case}.0002_change"], result.rules(case, "0002_change")) == (phase, rules)


def test_undeclared_run_python_says_how_to_declare(result: CheckRun) -> None:
    finding = result.verdict("py_undeclared", "0002_change")["findings"][0]
    assert finding["rule"] == "run-python-undeclared"
    assert "RunPython(forwards)" in finding["message"]
    assert 'djhelm_phase = "pre"' in finding["fix"]


def test_nested_findings_point_at_the_outer_operation(result: CheckRun) -> None:
    (finding,) = result.verdict("sds_plain_index", "0002_change")["findings"]
    assert finding["operation"] == 0
