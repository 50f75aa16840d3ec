"""AlterUniqueTogether: adding a set builds a unique constraint (index) under ACCESS EXCLUSIVE: blocked.

Removing a set only relaxes the schema (pre), like RemoveConstraint.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db import migrations

from djhelm.safety.context import OperationContext
from djhelm.safety.model import Finding
from djhelm.safety.registry import rule
from djhelm.safety.rules._model_ops import columns_of, together_sets, unique_index_fix

IDS = {
    "unique-together": "AlterUniqueTogether adding a set builds a unique index under ACCESS EXCLUSIVE.",
}


@rule(migrations.AlterUniqueTogether, ids=IDS, skip_new_tables=True)
def check_unique_together(ctx: OperationContext) -> Iterator[Finding]:
    op = ctx.operation
    added = sorted(together_sets(ctx.model_after, op.option_name) - together_sets(ctx.model_before,
                                                                                  op.option_name))
    table = ctx.table_name() or "<table>"
    for fields in added:
        name = f"{table}_{'_'.join(fields)}_uniq"[:63]
        source = (f"migrations.AddConstraint({op.name!r}, models.UniqueConstraint("
                  f"fields={list(fields)!r}, name={name!r}))")
        yield ctx.finding(
            "unique-together", "error",
            f"unique_together {fields!r} on {table} adds a UNIQUE constraint: its index is built while an "
            "ACCESS EXCLUSIVE lock blocks every read and write of the table.",
            "Replace it with a UniqueConstraint whose index is built concurrently:\n"
            + unique_index_fix(source, table, name, columns_of(ctx.model_after, fields)),
            effect="blocked", effect_when_acknowledged="pre")
