"""AlterField rules: what reaches the schema decides, attributes without SQL give no finding at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.safety.support import (
    CheckRun,
    change_apps,
    create_model,
    migration,
    run_check,
    write_project,
)

BASE = [
    "('count', models.IntegerField())",
    "('title', models.CharField(max_length=50))",
    "('body', models.TextField())",
    "('note', models.TextField(null=True))",
    "('code', models.CharField(max_length=10, null=True))",
    "('price', models.DecimalField(max_digits=8, decimal_places=2))",
    "('slug', models.CharField(max_length=20))",
    "('legacy', models.CharField(max_length=20, db_column='legacy_col'))",
    "('flag', models.BooleanField(db_default=False))",
    "('rank', models.IntegerField(db_index=True))",
    "('ref', models.CharField(max_length=10, null=True, unique=True))",
    "('tag', models.CharField(max_length=20, db_index=True))",
    "('word', models.TextField(unique=True, null=True))",
]


def alter(name: str, field: str) -> str:
    return f"migrations.AlterField('item', {name!r}, {field})"


CASES: dict[str, tuple[str, str, list[str]]] = {
    # name: (operation, expected phase, expected rule ids)
    "no_sql_attrs": (alter("title", "models.CharField(max_length=50, verbose_name='T', help_text='h', "
                           "blank=True, choices=[('a', 'A')], validators=[])"), "pre", []),
    "db_column_same": (alter("title", "models.CharField(max_length=50, db_column='title')"), "pre", []),
    "pinned_column_label": (alter("legacy", "models.CharField(max_length=20, db_column='legacy_col', "
                                  "verbose_name='L')"), "pre", []),
    "python_default": (alter("count", "models.IntegerField(default=3)"), "pre", []),
    "int_to_bigint": (alter("count", "models.BigIntegerField()"), "blocked", ["alter-field-type"]),
    "positive": (alter("count", "models.PositiveIntegerField()"), "blocked", ["alter-field-type"]),
    "max_length_up": (alter("title", "models.CharField(max_length=100)"), "pre", []),
    "varchar_to_text": (alter("title", "models.TextField()"), "pre", []),
    "text_to_varchar": (alter("body", "models.CharField(max_length=10)"), "blocked", ["alter-field-type"]),
    "max_length_down": (alter("title", "models.CharField(max_length=20)"), "blocked",
                        ["alter-field-max-length-down"]),
    "decimal_wider": (alter("price", "models.DecimalField(max_digits=10, decimal_places=2)"), "pre", []),
    "decimal_scale": (alter("price", "models.DecimalField(max_digits=10, decimal_places=3)"), "blocked",
                      ["alter-field-type"]),
    "set_not_null": (alter("note", "models.TextField(default='')"), "blocked", ["alter-field-set-not-null"]),
    "drop_not_null": (alter("body", "models.TextField(null=True)"), "pre", []),
    "add_unique": (alter("code", "models.CharField(max_length=10, null=True, unique=True)"), "blocked",
                   ["alter-field-unique"]),
    "add_index": (alter("code", "models.CharField(max_length=10, null=True, db_index=True)"), "pre",
                  ["alter-field-index"]),
    "to_slug": (alter("slug", "models.SlugField()"), "pre", ["alter-field-index"]),
    # Django drops the unique constraint and builds a plain index in its place, under lock
    "unique_to_index": (alter("ref", "models.CharField(max_length=10, null=True, db_index=True)"), "pre",
                        ["alter-field-index"]),
    "tablespace": (alter("code", "models.CharField(max_length=10, null=True, db_tablespace='elsewhere')"),
                   "pre", []),
    "collation": (alter("code", "models.CharField(max_length=10, null=True, db_collation='C')"), "pre",
                  ["alter-field-collation"]),
    "drop_index": (alter("rank", "models.IntegerField()"), "post", ["alter-field-drop-index"]),
    "rename_column": (alter("title", "models.CharField(max_length=50, db_column='headline')"), "blocked",
                      ["alter-field-column"]),
    "add_db_default": (alter("body", "models.TextField(db_default='')"), "pre", []),
    "drop_db_default": (alter("flag", "models.BooleanField()"), "post", ["alter-field-drop-db-default"]),
    # no rewrite, but Django drops the varchar_pattern_ops index and builds a text_pattern_ops one
    "indexed_to_text": (alter("tag", "models.TextField(db_index=True)"), "pre", ["alter-field-like-index"]),
    "unique_to_varchar": (alter("word", "models.CharField(max_length=30, unique=True, null=True)"),
                          "blocked", ["alter-field-type"]),
    "indexed_longer": (alter("tag", "models.CharField(max_length=40, db_index=True)"), "pre", []),
    "indexed_to_text_unindexed": (alter("tag", "models.TextField()"), "post", ["alter-field-drop-index"]),
}


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> CheckRun:
    root = tmp_path_factory.mktemp("alter_field")
    write_project(root, change_apps({label: op for label, (op, _, _) in CASES.items()}, BASE))
    return run_check(root)


@pytest.mark.parametrize("case", sorted(CASES))
def test_alter_field(result: CheckRun, case: str) -> None:
    _, phase, rules = CASES[case]
    assert (result.phases[f"{case}.0002_change"], result.rules(case, "0002_change")) == (phase, rules)


def test_no_sql_changes_have_no_findings_at_all(result: CheckRun) -> None:
    for case in ("no_sql_attrs", "db_column_same", "pinned_column_label", "python_default", "tablespace"):
        assert result.verdict(case, "0002_change")["findings"] == [], case
        assert result.verdict(case, "0002_change")["operations"] == ["any"], case  # fits either phase


def test_set_not_null_fix_uses_a_not_valid_check(result: CheckRun) -> None:
    fix = result.verdict("set_not_null", "0002_change")["findings"][0]["fix"]
    assert "AddConstraintNotValid" in fix and "ValidateConstraint" in fix and "note__isnull=False" in fix


def test_type_change_message_names_both_types(result: CheckRun) -> None:
    message = result.verdict("int_to_bigint", "0002_change")["findings"][0]["message"]
    assert "integer -> bigint" in message and "int_to_bigint_item" in message


FK_CASES: dict[str, tuple[str, str, list[str]]] = {
    "fk_nullable": (alter("owner", "models.ForeignKey(null=True, "
                          "on_delete=django.db.models.deletion.CASCADE, to='fk_nullable.box')"),
                    "pre", ["alter-field-foreign-key-revalidated"]),
    "fk_drop_index": (alter("owner", "models.ForeignKey(db_index=False, "
                            "on_delete=django.db.models.deletion.CASCADE, to='fk_drop_index.box')"),
                      "post", ["alter-field-drop-index", "alter-field-foreign-key-revalidated"]),
    "fk_on_delete": (alter("owner", "models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, "
                           "to='fk_on_delete.box')"), "pre", []),
    "fk_comment": (alter("owner", "models.ForeignKey(db_comment='who', "
                         "on_delete=django.db.models.deletion.CASCADE, to='fk_comment.box')"), "pre", []),
    "fk_related_name": (alter("owner", "models.ForeignKey(related_name='things', "
                              "on_delete=django.db.models.deletion.CASCADE, to='fk_related_name.box')"),
                        "pre", []),
    # no column changes, yet Django drops and re-adds the constraint: the deconstructed field differs
    "fk_default": (alter("owner", "models.ForeignKey(default=1, "
                         "on_delete=django.db.models.deletion.CASCADE, to='fk_default.box')"),
                   "pre", ["alter-field-foreign-key-revalidated"]),
    "fk_subclass": (alter("owner", "OwnerKey(on_delete=django.db.models.deletion.CASCADE, "
                          "to='fk_subclass.box')"), "pre", ["alter-field-foreign-key-revalidated"]),
}
SUBCLASS = "class OwnerKey(models.ForeignKey):\n    pass\n"


def foreign_key_apps() -> dict[str, dict[str, str]]:
    apps = {}
    for label, (op, _, _) in FK_CASES.items():
        owner = f"('owner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='{label}.box'))"
        apps[label] = {
            "0001_initial": migration(create_model("Box"), create_model("Item", owner), initial=True),
            "0002_change": migration(op, deps=[(label, "0001_initial")], imports=SUBCLASS),
        }
    return apps


def test_foreign_key_changes_revalidate_the_constraint(tmp_path: Path) -> None:
    apps = foreign_key_apps()
    write_project(tmp_path, apps)
    result = run_check(tmp_path)
    got = {app: (result.phases[f"{app}.0002_change"], result.rules(app, "0002_change")) for app in apps}
    assert got == {label: (phase, rules) for label, (_, phase, rules) in FK_CASES.items()}


def test_like_index_fix_changes_only_the_column_type(result: CheckRun) -> None:
    finding = result.verdict("indexed_to_text", "0002_change")["findings"][0]
    assert "_like" in finding["message"] and "reads and writes" in finding["message"]
    assert 'ALTER COLUMN "tag" TYPE text' in finding["fix"] and "DROP INDEX" not in finding["fix"]
