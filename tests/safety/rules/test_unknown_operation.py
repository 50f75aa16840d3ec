"""Operations and constraints djhelm has no rule for: a warning until the migration declares its phase."""

from __future__ import annotations

from pathlib import Path

from tests.safety.support import change_apps, run_check, write_project

CUSTOM_OPERATION = '''
class Custom(migrations.operations.base.Operation):
    reversible = True

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        pass

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass
'''
CUSTOM_CONSTRAINT = '''
class MyConstraint(models.BaseConstraint):
    def constraint_sql(self, model, schema_editor):
        return ""

    def create_sql(self, model, schema_editor):
        return ""

    def remove_sql(self, model, schema_editor):
        return ""
'''
CASES = {
    "op": ("Custom()", CUSTOM_OPERATION, ""),
    "op_declared": ("Custom()", CUSTOM_OPERATION, "djhelm_phase = 'post'"),
    "constraint": ("migrations.AddConstraint('item', MyConstraint(name='c1'))", CUSTOM_CONSTRAINT, ""),
    "constraint_declared": ("migrations.AddConstraint('item', MyConstraint(name='c1'))", CUSTOM_CONSTRAINT,
                            "djhelm_phase = 'pre'"),
}


def test_unknown_operations_warn_until_the_phase_is_declared(tmp_path: Path) -> None:
    apps = change_apps({label: op for label, (op, _, _) in CASES.items()}, ["('code', models.TextField())"],
                       body={label: body for label, (_, _, body) in CASES.items()})
    for label, (_, helper, _) in CASES.items():
        source = apps[label]["0002_change"]
        apps[label]["0002_change"] = source.replace("\n\nclass Migration", f"{helper}\n\nclass Migration", 1)
    write_project(tmp_path, apps)
    result = run_check(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr

    def severities(label: str) -> list[tuple[str, str]]:
        return [(f["rule"], f["severity"]) for f in result.verdict(label, "0002_change")["findings"]]

    assert severities("op") == [("unknown-operation", "warning")]
    assert severities("constraint") == [("add-constraint-other", "warning")]
    # the fix both findings print (declare the phase) settles them: a remark remains
    assert ("unknown-operation", "info") in severities("op_declared")
    assert result.phases["op_declared.0002_change"] == "post"
    assert severities("constraint_declared") == [("add-constraint-other", "info")]
    assert result.phases["constraint_declared.0002_change"] == "pre"
