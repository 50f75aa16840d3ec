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
    if old == new:
        what = f"renames the many-to-many tables of {op.old_name}"
        fix = "Pin db_table on the ManyToManyField (or its through model) to the current table names."
    else:
        what = f"renames table {old} to {new}"
        fix = (f"Keep the table: in {op.new_name}.Meta set db_table = {old!r} (in the same migration, "
               "before or with the rename), so RenameModel emits no SQL; rename the table later, if ever, "
               "with a view in between.")
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
    yield ctx.finding(
        "alter-model-table", "error",
        f"AlterModelTable renames table {old} to {new}: the old code queries the old name, the new code "
        "the new one, and no single moment of the rollout suits both.",
        f"Keep db_table = {old!r}; if the name must change, create a view with the new name first "
        "(RunSQL CREATE VIEW, pre), move the code to it, then swap in a later release.",
        effect="blocked")
