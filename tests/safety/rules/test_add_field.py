"""AddField rules, judged on real migration files in a temp project (one app per case)."""

from __future__ import annotations

import pytest

from tests.safety.support import CheckRun, change_apps, create_model, migration, run_check, write_project

BASE = ["('name', models.CharField(max_length=20))"]
CASES = {
    "nullable": "migrations.AddField('item', 'note', models.TextField(null=True))",
    "db_default": "migrations.AddField('item', 'qty', models.IntegerField(db_default=0))",
    "python_default": "migrations.AddField('item', 'qty', models.IntegerField(default=0))",
    "one_off_default": "migrations.AddField('item', 'qty', models.IntegerField(default=0), "
                       "preserve_default=False)",
    "no_default": "migrations.AddField('item', 'qty', models.IntegerField())",
    "both_defaults": "migrations.AddField('item', 'qty', models.IntegerField(default=1, db_default=1))",
    "now_default": "migrations.AddField('item', 'at', "
                   "models.DateTimeField(db_default=django.db.models.functions.Now()))",
    "random_default": "migrations.AddField('item', 'r', "
                      "models.FloatField(db_default=django.db.models.functions.Random()))",
    "unique": "migrations.AddField('item', 'code', models.CharField(max_length=5, null=True, unique=True))",
    "slug": "migrations.AddField('item', 'slug', models.SlugField(null=True))",
    "index": "migrations.AddField('item', 'rank', models.IntegerField(null=True, db_index=True))",
    "fk": "migrations.AddField('item', 'parent', models.ForeignKey(null=True, "
          "on_delete=django.db.models.deletion.CASCADE, to='fk.item'))",
    "m2m": "migrations.AddField('item', 'tags', models.ManyToManyField(to='m2m.item'))",
    "generated": "migrations.AddField('item', 'upper', models.GeneratedField(db_persist=True, "
                 "expression=django.db.models.functions.Upper('name'), output_field=models.TextField()))",
    # no default in the model, but Django's empty value '' fills the rows (and is dropped afterwards)
    "blank_text": "migrations.AddField('item', 'bio', models.TextField(blank=True))",
    "auto_now_add": "migrations.AddField('item', 'created', models.DateTimeField(auto_now_add=True))",
    "now_callable": "migrations.AddField('item', 'seen', "
                    "models.DateTimeField(default=__import__('django.utils.timezone').utils.timezone.now))",
    "uuid_callable": "migrations.AddField('item', 'token', "
                     "models.UUIDField(default=__import__('uuid').uuid4, unique=True))",
    # Django adds CHECK ("rank" >= 0) with the column: PostgreSQL verifies it on every row
    "positive_null": "migrations.AddField('item', 'rank', models.PositiveIntegerField(null=True))",
}
EXPECTED = {
    "nullable": ("pre", []),
    "db_default": ("pre", []),
    "python_default": ("blocked", ["add-field-not-null-default"]),
    "one_off_default": ("blocked", ["add-field-not-null-default"]),
    "no_default": ("blocked", ["add-field-not-null"]),
    "both_defaults": ("pre", []),
    "now_default": ("pre", ["add-field-volatile-db-default"]),
    "random_default": ("pre", ["add-field-volatile-db-default"]),
    "unique": ("blocked", ["add-field-unique"]),
    "slug": ("pre", ["add-field-index"]),
    "index": ("pre", ["add-field-index"]),
    "fk": ("pre", ["add-field-index"]),
    "m2m": ("pre", []),
    "generated": ("blocked", ["add-field-generated"]),
    "blank_text": ("blocked", ["add-field-not-null-default"]),
    "auto_now_add": ("blocked", ["add-field-not-null-default"]),
    "now_callable": ("blocked", ["add-field-not-null-default"]),
    "uuid_callable": ("blocked", ["add-field-not-null-default", "add-field-unique"]),
    "positive_null": ("blocked", ["add-field-check"]),
}
# A table created in the same migration is empty and unknown to old code: nothing to flag.
SAME_MIGRATION = migration(
    create_model("Item", "('name', models.CharField(max_length=20))"),
    "migrations.AddField('item', 'code', models.CharField(max_length=5, default='x', unique=True))",
    "migrations.AddField('item', 'slug', models.SlugField(default=''))",
    initial=True,
)


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> CheckRun:
    root = tmp_path_factory.mktemp("add_field")
    apps = change_apps(CASES, BASE)
    apps["fresh"] = {"0001_initial": SAME_MIGRATION}
    write_project(root, apps)
    return run_check(root)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_add_field(result: CheckRun, case: str) -> None:
    phase, rules = EXPECTED[case]
    assert (result.phases[f"{case}.0002_change"], result.rules(case, "0002_change")) == (phase, rules)


def test_python_default_fix_uses_db_default(result: CheckRun) -> None:
    finding = result.verdict("python_default", "0002_change")["findings"][0]
    assert "db_default=0" in finding["fix"]
    assert finding["severity"] == "error" and finding["operation"] == 0


def test_blank_field_says_what_really_breaks(result: CheckRun) -> None:
    finding = result.verdict("blank_text", "0002_change")["findings"][0]
    assert "''" in finding["message"] and "old code" in finding["message"]
    assert "fails on a table with rows" not in finding["message"]
    assert "db_default=''" in finding["fix"]


@pytest.mark.parametrize("case", ["now_callable", "auto_now_add"])
def test_time_defaults_get_the_database_clock(result: CheckRun, case: str) -> None:
    fix = result.verdict(case, "0002_change")["findings"][0]["fix"]
    assert "db_default=django.db.models.functions.Now()" in fix


def test_a_callable_without_database_equivalent_is_backfilled_not_made_constant(result: CheckRun) -> None:
    finding = result.verdict("uuid_callable", "0002_change")["findings"][0]
    assert "uuid4() once" in finding["message"] and "two rows" in finding["message"]
    assert "db_default" not in finding["fix"] and "null=True" in finding["fix"]


def test_unique_says_reads_wait_too(result: CheckRun) -> None:
    message = result.verdict("unique", "0002_change")["findings"][0]["message"]
    assert "ACCESS EXCLUSIVE" in message and "reads and writes wait" in message


def test_volatile_default_says_rewrite(result: CheckRun) -> None:
    random_msg = result.verdict("random_default", "0002_change")["findings"][0]["message"]
    now_msg = result.verdict("now_default", "0002_change")["findings"][0]["message"]
    assert "rewritten" in random_msg and "ACCESS EXCLUSIVE" in random_msg
    assert "migration's timestamp" in now_msg


def test_unique_fix_builds_the_index_concurrently(result: CheckRun) -> None:
    fix = result.verdict("unique", "0002_change")["findings"][0]["fix"]
    assert 'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "unique_item_code_uniq" ON "unique_item"' in fix
    assert "UNIQUE USING INDEX" in fix and "atomic = False" in fix


def test_table_created_in_the_same_migration_is_exempt(result: CheckRun) -> None:
    assert result.verdict("fresh", "0001_initial")["findings"] == []
    assert result.phases["fresh.0001_initial"] == "pre"


def test_nullable_field_is_silent_and_ok_exit_code_only_when_nothing_blocked(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    root = tmp_path_factory.mktemp("add_field_ok")
    write_project(root, change_apps({"ok": CASES["nullable"]}, BASE))
    ok = run_check(root)
    assert ok.returncode == 0 and ok.verdict("ok", "0002_change")["findings"] == []
