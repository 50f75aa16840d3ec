"""RenameModel / AlterModelTable that rename the table: whichever code version uses the other name breaks.

Emitting no SQL (sqlfree: same table name, e.g. Meta.db_table pinned to the old name) is the fix.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db import migrations

from djhelm.safety.context import OperationContext
from djhelm.safety.model import Finding
from djhelm.safety.registry import rule

IDS = {"rename-model": "RenameModel renames the table (and M2M tables): old or new code breaks."}
TABLE_IDS = {"alter-model-table": "AlterModelTable renames the table: old or new code breaks."}


@rule(migrations.RenameModel, ids=IDS)
def check_rename_model(ctx: OperationContext) -> Iterator[Finding]:
    if ctx.model_is_new:
        return
    op = ctx.operation
    old, new = ctx.table_name("before"), ctx.table_name("after")
    if old != new and ctx.atomic and _renamed_back_later(ctx, str(old)):
        return  # makemigrations' shape for a pinned db_table: the table ends where it started
    if old == new:
        what = f"renames the many-to-many tables of {op.old_name}"
        fix = "Pin db_table on the ManyToManyField (or its through model) to the current table names."
    else:
        what = f"renames table {old} to {new}"
        fix = (f"Keep the table: in {op.new_name}.Meta set db_table = {old!r} and run makemigrations "
               "again (it adds AlterModelTable back to the old name in this atomic migration, so the table "
               "never moves); rename the table later, if ever, with a view in between.")
    yield ctx.finding(
        "rename-model", "error",
        f"RenameModel {op.old_name} -> {op.new_name} {what}: the old code still queries the old name "
        "during the rollout (run before it) or the new code queries the new name (run after it).",
        fix, effect="blocked")


@rule(migrations.AlterModelTable, ids=TABLE_IDS)
def check_alter_model_table(ctx: OperationContext) -> Iterator[Finding]:
    if ctx.model_is_new:
        return
    old = ctx.table_name("before") or f"{ctx.app_label}_{ctx.operation.name_lower}"
    new = ctx.operation.table or f"{ctx.app_label}_{ctx.operation.name_lower}"
    if ctx.atomic and _undoes_earlier_rename(ctx, new):
        return  # RenameModel moved the table in this atomic migration; this moves it back
    yield ctx.finding(
        "alter-model-table", "error",
        f"AlterModelTable renames table {old} to {new}: the old code queries the old name, the new code "
        "the new one, and no single moment of the rollout suits both.",
        f"Keep db_table = {old!r}; if the name must change, create a view with the new name first "
        "(RunSQL CREATE VIEW, pre), move the code to it, then swap in a later release.",
        effect="blocked")


def _renamed_back_later(ctx: OperationContext, old_table: str) -> bool:
    """A later AlterModelTable of this migration pins the renamed model to its old table."""
    op = ctx.operation
    return any(
        isinstance(later, migrations.AlterModelTable) and later.name_lower == op.new_name_lower
        and later.table == old_table
        for later in ctx.migration.operations[ctx.index + 1:]
    )


def _undoes_earlier_rename(ctx: OperationContext, table: str) -> bool:
    """An earlier RenameModel of this migration moved this model's table away from ``table``."""
    return any(
        isinstance(earlier, migrations.RenameModel) and earlier.new_name_lower == ctx.operation.name_lower
        and table == f"{ctx.app_label}_{earlier.old_name_lower}"
        for earlier in ctx.migration.operations[: ctx.index]
    )
