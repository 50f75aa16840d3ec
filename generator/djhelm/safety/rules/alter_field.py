"""AlterField: compare the column before and after (fields.ColumnSpec) and judge each change.

Metadata-only changes (varchar widening, varchar -> text, dropping NOT NULL, dropping a unique
constraint, a new db_default, a comment) need no finding. Changes that rewrite or scan the table under
ACCESS EXCLUSIVE, or that old code cannot live with, are blocked with a rewrite recipe.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db import migrations

from djhelm.safety.context import OperationContext
from djhelm.safety.fields import (
    ColumnSpec,
    column_spec,
    foreign_key_rebuilt,
    like_index_rebuilt,
    type_change_is_metadata_only,
    varchar_length,
)
from djhelm.safety.model import Finding
from djhelm.safety.registry import rule
from djhelm.safety.rules._shared import concurrent_index_fix, django_index_name, field_source, index_name

IDS = {
    "alter-field-type": "AlterField changes the column type in a way that rewrites or scans the table.",
    "alter-field-max-length-down": "AlterField lowers max_length: rewrite under lock, longer values.",
    "alter-field-set-not-null": "AlterField null -> NOT NULL: scan under lock, old code writes NULL.",
    "alter-field-unique": "AlterField adds unique: a UNIQUE constraint built under ACCESS EXCLUSIVE.",
    "alter-field-index": "AlterField adds an index (db_index, SlugField, FK): blocks writes.",
    "alter-field-drop-index": "AlterField drops an index the old code's queries may rely on: post-deploy.",
    "alter-field-column": "AlterField changes db_column: the column is renamed under the running code.",
    "alter-field-drop-db-default": "AlterField drops db_default: old code's INSERTs relied on it.",
    "alter-field-primary-key": "AlterField changes the primary key.",
    "alter-field-collation": "AlterField changes db_collation: indexes on the column are rebuilt.",
    "alter-field-foreign-key": "AlterField adds or retargets a FOREIGN KEY: validated under lock.",
    "alter-field-foreign-key-revalidated": "AlterField of a ForeignKey: Django drops the FOREIGN KEY and "
                                           "adds it again, validated under lock.",
    "alter-field-like-index": "AlterField between varchar and text on an indexed column: Django drops the "
                              "_like index and builds it again under the ALTER's lock.",
}


@rule(migrations.AlterField, ids=IDS, skip_new_tables=True)
def check_alter_field(ctx: OperationContext) -> Iterator[Finding]:
    op = ctx.operation
    before, after = ctx.model_before, ctx.model_after
    if before is None or after is None:
        return
    old = before.fields.get(op.name)
    new = after.fields.get(op.name)
    if old is None or new is None or old.many_to_many or new.many_to_many:
        return
    was = column_spec(op.name, old, ctx.state)
    now = column_spec(op.name, new, ctx.state)
    changed = was.changed(now)
    table = ctx.table_name() or "<table>"
    label = f"{op.model_name}.{op.name}"

    if "column" in changed:
        yield ctx.finding(
            "alter-field-column",
            "error",
            f"{label}: column {table}.{was.column} is renamed to {now.column}; the code that is not "
            "yet (or no longer) running with the new name fails on every query touching it.",
            f"Keep db_column={was.column!r} in the model (the column name then stays as it is).",
            effect="blocked",
            effect_when_acknowledged="pre",
        )
    if "primary_key" in changed:
        yield ctx.finding(
            "alter-field-primary-key",
            "error",
            f"{label}: changes the primary key of {table}: constraints and every referencing foreign key "
            "are rebuilt under ACCESS EXCLUSIVE.",
            "Plan it as a multi-release change (new column, backfill, unique index concurrently, swap).",
            effect="blocked",
            effect_when_acknowledged="pre",
        )
    yield from _type_change(ctx, was, now, changed, table, label)
    yield from _null_change(ctx, was, now, table, label)
    yield from _index_changes(ctx, was, now, changed, table, label)
    yield from _revalidated_foreign_key(ctx, was, now, table, label)
    yield from _rebuilt_like_index(ctx, was, now, table, label)
    if was.db_default is not None and now.db_default is None:
        yield ctx.finding(
            "alter-field-drop-db-default",
            "info",
            f"{label}: drops the database default; the old code's INSERTs leave the column to it, so it "
            "must stay until the old code is gone.",
            effect="post",
        )
    if "db_collation" in changed and "type" not in changed:
        yield ctx.finding(
            "alter-field-collation",
            "warning",
            f"{label}: changes the collation; PostgreSQL rebuilds every index on {table}.{now.column} while "
            "holding ACCESS EXCLUSIVE (no reads or writes).",
            "Add a new column with the collation, backfill it, and switch over in a later release.",
            effect="pre",
        )
    if ("fk_target" in changed and now.fk_target is not None and was.fk_target is not None) or (
        "db_constraint" in changed and now.db_constraint
    ):
        yield ctx.finding(
            "alter-field-foreign-key",
            "error",
            f"{label}: adds a FOREIGN KEY constraint that PostgreSQL validates against every row while "
            f"blocking writes to {table} and the referenced table.",
            "migrations.SeparateDatabaseAndState(\n"
            "    state_operations=[migrations.AlterField("
            f"{op.model_name!r}, {op.name!r}, {field_source(op)})],\n"
            "    database_operations=[\n"
            f"        migrations.RunSQL('ALTER TABLE \"{table}\" ADD CONSTRAINT \"{table}_{now.column}_fk\" "
            f"FOREIGN KEY (\"{now.column}\") REFERENCES ... NOT VALID'),\n"
            f"        migrations.RunSQL('ALTER TABLE \"{table}\" "
            f"VALIDATE CONSTRAINT \"{table}_{now.column}_fk\"'),\n"
            "    ],\n)",
            effect="blocked",
            effect_when_acknowledged="pre",
        )


def _revalidated_foreign_key(
    ctx: OperationContext, was: ColumnSpec, now: ColumnSpec, table: str, label: str
) -> Iterator[Finding]:
    # A retargeted or newly enforced key is alter-field-foreign-key; this is the key that stays the same
    # and is rebuilt anyway, e.g. for a new Python default or a do-nothing subclass of ForeignKey.
    op = ctx.operation
    kept = was.fk_target is not None and was.fk_target == now.fk_target and was.db_constraint
    old, new = ctx.model_before.fields[op.name], ctx.model_after.fields[op.name]  # type: ignore[union-attr]
    if not kept or not foreign_key_rebuilt(op.name, old, new, ctx.state):
        return
    yield ctx.finding(
        "alter-field-foreign-key-revalidated",
        "warning",
        f"{label}: Django drops the FOREIGN KEY of {table}.{now.column} and adds it again; PostgreSQL "
        f"checks every row while blocking writes to {table} and to the referenced table until the "
        "migration commits.",
        "# change the column without touching the constraint:\n"
        "migrations.SeparateDatabaseAndState(\n"
        f"    state_operations=[migrations.AlterField({op.model_name!r}, {op.name!r}, {field_source(op)})],\n"
        "    database_operations=[migrations.RunSQL(<only the column change, e.g. "
        f"'ALTER TABLE \"{table}\" ALTER COLUMN \"{now.column}\" DROP NOT NULL'>)],\n"
        ")",
    )


def _rebuilt_like_index(
    ctx: OperationContext, was: ColumnSpec, now: ColumnSpec, table: str, label: str
) -> Iterator[Finding]:
    if not like_index_rebuilt(was, now) or not type_change_is_metadata_only(was.type, now.type):
        return  # a type change that rewrites the table is already blocked by alter-field-type
    op = ctx.operation
    like = django_index_name(table, was.column, "_like")
    alter = f'ALTER TABLE "{table}" ALTER COLUMN "{now.column}" TYPE {now.type}'
    yield ctx.finding(
        "alter-field-like-index",
        "warning",
        f"{label}: {was.type} -> {now.type} needs no rewrite, but Django drops the LIKE index {like} of "
        f"{table}.{now.column} and builds it again with a plain CREATE INDEX in the same transaction as "
        f"the ALTER COLUMN, whose ACCESS EXCLUSIVE lock is held until the build is done: reads and writes "
        f"of {table} wait for the whole build.",
        "# the ALTER alone rewrites nothing and keeps every index; the kept varchar_pattern_ops index\n"
        "# serves LIKE on the text column as well\n"
        "migrations.SeparateDatabaseAndState(\n"
        f"    state_operations=[migrations.AlterField({op.model_name!r}, {op.name!r}, {field_source(op)})],\n"
        f"    database_operations=[migrations.RunSQL({alter!r})],\n"
        ")\n"
        'djhelm_ack = {"run-sql-alter-column-type": "varchar -> text: metadata only, the indexes stay"}',
        effect="pre",
    )


def _type_change(
    ctx: OperationContext, was: ColumnSpec, now: ColumnSpec, changed: set[str], table: str, label: str
) -> Iterator[Finding]:
    op = ctx.operation
    if "generated" in changed:
        yield ctx.finding(
            "alter-field-type",
            "error",
            f"{label}: changes a generated column; Django drops and re-adds it, rewriting {table}.",
            "Add a new generated column and switch to it in a later release.",
            effect="blocked",
            effect_when_acknowledged="pre",
        )
        return
    if "type" not in changed and not (now.check and not was.check):
        return
    if "type" not in changed:
        yield ctx.finding(
            "alter-field-type",
            "error",
            f"{label}: adds CHECK ({now.column} {now.check}); PostgreSQL checks every row of {table} while "
            "holding ACCESS EXCLUSIVE (no reads or writes).",
            "from django.contrib.postgres.operations import AddConstraintNotValid, ValidateConstraint\n"
            f"AddConstraintNotValid({op.model_name!r}, models.CheckConstraint("
            f"condition=models.Q({op.name}__gte=0), name={index_name(table, now.column, 'gte_0')!r})),\n"
            f"ValidateConstraint({op.model_name!r}, {index_name(table, now.column, 'gte_0')!r}),",
            effect="blocked",
            effect_when_acknowledged="pre",
        )
        return
    if was.type is None or now.type is None or type_change_is_metadata_only(was.type, now.type):
        return
    old_varchar, old_len = varchar_length(was.type)
    new_varchar, new_len = varchar_length(now.type)
    if old_varchar and new_varchar and old_len is not None and new_len is not None and new_len < old_len:
        yield ctx.finding(
            "alter-field-max-length-down",
            "error",
            f"{label}: max_length {old_len} -> {new_len}; PostgreSQL rewrites {table} under ACCESS EXCLUSIVE "
            f"(no reads or writes), fails if a longer value exists, and the old code keeps writing values "
            f"up to {old_len} characters.",
            f"# enforce the limit in code first (MaxLengthValidator({new_len})), then in the DB:\n"
            "from django.contrib.postgres.operations import AddConstraintNotValid, ValidateConstraint\n"
            f"AddConstraintNotValid({op.model_name!r}, models.CheckConstraint(condition=models.Q("
            f"{op.name}__length__lte={new_len}), name={index_name(table, now.column, 'len')!r})),\n"
            f"ValidateConstraint({op.model_name!r}, {index_name(table, now.column, 'len')!r}),\n"
            "# (register django.db.models.functions.Length as a lookup) and keep the column type as it is",
            effect="blocked",
            effect_when_acknowledged="pre",
        )
        return
    yield ctx.finding(
        "alter-field-type",
        "error",
        f"{label}: column type {was.type} -> {now.type} rewrites {table} under ACCESS EXCLUSIVE: no reads "
        "or writes until every row is rewritten (minutes on a large table), and the old code still "
        f"expects {was.type}.",
        "# expand (pre): a new column the new code writes to as well\n"
        f"migrations.AddField({op.model_name!r}, '{op.name}_new', <{field_source(op)} with null=True>),\n"
        "# backfill it in batches (RunPython, 1,000 rows per UPDATE), switch reads in the next release,\n"
        f"# contract (post, later release): RemoveField the old one and pin db_column='{op.name}_new'",
        effect="blocked",
        effect_when_acknowledged="pre",
    )


def _null_change(
    ctx: OperationContext, was: ColumnSpec, now: ColumnSpec, table: str, label: str
) -> Iterator[Finding]:
    if not (was.null and not now.null):
        return
    op = ctx.operation
    name = index_name(table, now.column, "not_null")
    yield ctx.finding(
        "alter-field-set-not-null",
        "error",
        f"{label}: SET NOT NULL scans all of {table} under ACCESS EXCLUSIVE (no reads or writes), "
        "Django first UPDATEs the existing NULLs in the same lock when a default is given, and the old "
        "code may still write NULL.",
        "# release N: stop writing NULL in code and backfill existing rows in batches (RunPython), then\n"
        "from django.contrib.postgres.operations import AddConstraintNotValid, ValidateConstraint\n"
        f"AddConstraintNotValid({op.model_name!r}, models.CheckConstraint("
        f"condition=models.Q({op.name}__isnull=False), name={name!r})),\n"
        f"ValidateConstraint({op.model_name!r}, {name!r}),  # SHARE UPDATE EXCLUSIVE: traffic continues\n"
        "# release N+1 (post): the AlterField to NOT NULL now skips the scan (PostgreSQL >= 12)\n"
        f"migrations.AlterField({op.model_name!r}, {op.name!r}, {field_source(op)}),\n"
        f"migrations.RemoveConstraint({op.model_name!r}, {name!r}),",
        effect="blocked",
        effect_when_acknowledged="post",
    )


def _index_changes(
    ctx: OperationContext, was: ColumnSpec, now: ColumnSpec, changed: set[str], table: str, label: str
) -> Iterator[Finding]:
    if now.unique and not was.unique:
        yield ctx.finding(
            "alter-field-unique",
            "error",
            f"{label}: adding unique is ALTER TABLE ... ADD CONSTRAINT UNIQUE, which builds its index while "
            f"holding ACCESS EXCLUSIVE on {table}: reads and writes wait until it is built, and it fails "
            "outright if duplicates exist.",
            concurrent_index_fix(ctx, now.column, unique=True),
            effect="blocked",
            effect_when_acknowledged="pre",
        )
    elif now.db_index and not was.db_index:
        # also when a unique field becomes merely indexed: Django drops the constraint and builds a new index
        yield ctx.finding(
            "alter-field-index",
            "warning",
            f"{label}: CREATE INDEX on {table} blocks writes to it while the index builds.",
            concurrent_index_fix(ctx, now.column, unique=False),
            effect="pre",
        )
    elif was.db_index and not now.db_index and not now.unique:
        yield ctx.finding(
            "alter-field-drop-index",
            "info",
            f"{label}: drops an index the old code's queries may rely on: runs after the rollout.",
            effect="post",
        )
