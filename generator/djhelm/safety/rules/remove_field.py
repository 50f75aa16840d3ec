"""RemoveField: a contract step (post). The old code selects every column it knows by name.

A NOT NULL column without a database default cannot be dropped safely even after the rollout: until
the post phase runs, the new code (which no longer sets it) INSERTs rows without it and fails.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db import migrations

from djhelm.safety.context import OperationContext
from djhelm.safety.fields import column_name, has_db_default
from djhelm.safety.model import Finding
from djhelm.safety.registry import rule

IDS = {
    "remove-field": "RemoveField drops a column the old code still reads: post-deploy.",
    "remove-field-not-null": "RemoveField of a NOT NULL column without db_default: new code's INSERTs fail.",
}


@rule(migrations.RemoveField, ids=IDS, skip_new_tables=True)
def check_remove_field(ctx: OperationContext) -> Iterator[Finding]:
    op = ctx.operation
    before = ctx.model_before
    field = before.fields.get(op.name) if before is not None else None
    if field is None:
        return
    table = ctx.table_name("before") or "<table>"
    name = f"{op.model_name}.{op.name}"
    if ctx.model_deleted_later_in_migration:
        # No INSERT can miss the column: the whole table goes, after the rollout, with the DeleteModel.
        yield ctx.finding(
            "remove-field",
            "info",
            f"{name}: part of dropping {table} later in this migration; runs after the rollout.",
            effect="post",
        )
        return
    if field.many_to_many:
        yield ctx.finding(
            "remove-field",
            "info",
            f"{name}: drops the many-to-many table the old code still reads; run after the rollout.",
            effect="post",
        )
        return
    column = column_name(op.name, field)
    if field.null or has_db_default(field) or field.primary_key:
        yield ctx.finding(
            "remove-field",
            "info",
            f"{name}: drops column {table}.{column}, which the old code still selects: "
            "runs after the rollout.",
            effect="post",
        )
        return
    yield ctx.finding(
        "remove-field-not-null",
        "error",
        f"{name}: column {table}.{column} is NOT NULL without a database default. Between the rollout and "
        "the post phase the new code (which no longer sets it) INSERTs rows without it and they fail.",
        f"# release N (pre): keep the field in the model but make the column optional\n"
        f"migrations.AlterField({op.model_name!r}, {op.name!r}, "
        "<the field with null=True or db_default=...>),\n"
        f"# release N+1 (post): drop it\n"
        f"migrations.RemoveField({op.model_name!r}, {op.name!r}),",
        effect="blocked",
        effect_when_acknowledged="post",
    )
