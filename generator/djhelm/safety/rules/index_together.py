"""AlterIndexTogether (legacy Meta.index_together, still found in old migrations).

Adding a set is CREATE INDEX: pre, with a lock warning (writes wait). Removing a set drops an index the
old code may still use: post.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db import migrations

from djhelm.safety.context import OperationContext
from djhelm.safety.model import Finding
from djhelm.safety.registry import rule
from djhelm.safety.rules._model_ops import NOT_ATOMIC, together_sets

IDS = {
    "index-together-add": "AlterIndexTogether adding a set: CREATE INDEX blocks writes while it builds.",
    "index-together-remove": "AlterIndexTogether removing a set drops an index old code may use (post).",
}


@rule(migrations.AlterIndexTogether, ids=IDS, skip_new_tables=True)
def check_index_together(ctx: OperationContext) -> Iterator[Finding]:
    op = ctx.operation
    before = together_sets(ctx.model_before, op.option_name)
    after = together_sets(ctx.model_after, op.option_name)
    table = ctx.table_name() or "<table>"
    for fields in sorted(after - before):
        name = f"{op.name}_{'_'.join(fields)}_idx"[:30]
        yield ctx.finding(
            "index-together-add", "warning",
            f"index_together {fields!r} on {table}: CREATE INDEX holds a SHARE lock for the whole build, "
            "so every write to the table waits.",
            "from django.contrib.postgres.operations import AddIndexConcurrently\n"
            f"{NOT_ATOMIC}\n"
            f"AddIndexConcurrently({op.name!r}, models.Index(fields={list(fields)!r}, name={name!r}))",
            effect="pre")
    for fields in sorted(before - after):
        yield ctx.finding(
            "index-together-remove", "warning",
            f"index_together {fields!r} on {table} is dropped: the old code's queries may still use the "
            "index, and DROP INDEX takes an ACCESS EXCLUSIVE lock.",
            "Run it after the rollout, ideally as RemoveIndexConcurrently (atomic = False) after "
            "RenameIndex(old_fields=...) gave the index a name.",
            effect="post")
