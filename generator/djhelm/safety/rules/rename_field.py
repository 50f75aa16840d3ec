"""RenameField renames the column: old code (old name) or new code (new name) breaks mid-rollout.

Pinning ``db_column`` to the current column name first makes both the AlterField and the RenameField
emit no SQL (the framework gives such operations no finding at all).
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db import migrations

from djhelm.safety.context import OperationContext
from djhelm.safety.fields import column_name
from djhelm.safety.model import Finding
from djhelm.safety.registry import rule
from djhelm.safety.rules._shared import field_source

IDS = {"rename-field": "RenameField renames a column the running code uses."}


@rule(migrations.RenameField, ids=IDS, skip_new_tables=True)
def check_rename_field(ctx: OperationContext) -> Iterator[Finding]:
    op = ctx.operation
    before = ctx.model_before
    field = before.fields.get(op.old_name) if before is not None else None
    if field is None:
        return
    table = ctx.table_name("before") or "<table>"
    if field.many_to_many:
        yield ctx.finding(
            "rename-field",
            "error",
            f"{op.model_name}.{op.old_name} -> {op.new_name}: renames the join table the old code reads.",
            "Keep the join table: set db_table='<current table>' on the field before renaming it.",
            effect="blocked",
            effect_when_acknowledged="pre",
        )
        return
    old_column = column_name(op.old_name, field)
    new_column = column_name(op.new_name, field)
    pinned = _with_db_column(field, op.old_name, old_column)
    yield ctx.finding(
        "rename-field",
        "error",
        f"{op.model_name}.{op.old_name} -> {op.new_name}: renames column {table}.{old_column} to "
        f"{new_column}; the old code keeps querying {old_column} until the rollout ends (or the new code "
        f"queries {new_column} before it exists), so requests fail either way.",
        "# keep the column, rename only the Python attribute (both operations emit no SQL):\n"
        f"migrations.AlterField({op.model_name!r}, {op.old_name!r}, {pinned}),\n"
        f"migrations.RenameField({op.model_name!r}, {op.old_name!r}, {op.new_name!r}),\n"
        f"# and in models.py: {op.new_name} = ...(db_column={old_column!r})",
        effect="blocked",
        effect_when_acknowledged="pre",
    )


def _with_db_column(field: object, name: str, column: str) -> str:
    class _Op:
        pass

    holder = _Op()
    holder.field = field  # type: ignore[attr-defined]
    source = field_source(holder)
    return f"{source[:-1]}, db_column={column!r})".replace("(, ", "(")
