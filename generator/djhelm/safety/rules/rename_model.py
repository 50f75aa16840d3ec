"""RenameModel / AlterModelTable that rename the table: whichever code version uses the other name breaks.

Emitting no SQL (sqlfree: same table name, e.g. Meta.db_table pinned to the old name) is the fix.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db import migrations

from djhelm.safety.context import OperationContext, table_name
from djhelm.safety.fields import column_name
from djhelm.safety.model import Finding
from djhelm.safety.registry import rule
from djhelm.safety.sqlfree import m2m_pointing_at

IDS = {
    "rename-model": "RenameModel renames the table (and M2M tables): old or new code breaks.",
    "rename-model-foreign-keys": "RenameModel with db_table pinned afterwards re-creates the foreign keys "
                                 "pointing at the model, validated under lock.",
}
TABLE_IDS = {"alter-model-table": "AlterModelTable renames the table: old or new code breaks."}


@rule(migrations.RenameModel, ids=IDS, skip_new_tables=True)
def check_rename_model(ctx: OperationContext) -> Iterator[Finding]:
    op = ctx.operation
    old, new = ctx.table_name("before"), ctx.table_name("after")
    has_m2m = ctx.model_after is not None and any(f.many_to_many for f in ctx.model_after.fields.values())
    joins = m2m_pointing_at(ctx.state, ctx.app_label, op.new_name_lower)
    renamed_back = old != new and ctx.atomic and _renamed_back_later(ctx, str(old))
    if renamed_back and not has_m2m and not joins:
        # makemigrations' shape for a pinned db_table: the table ends where it started, but on the way
        # Django drops and re-creates every foreign key pointing at the model (validated, under lock).
        yield from _referencing_foreign_keys(ctx, str(old))
        return
    what: list[str] = []
    fixes: list[str] = []
    if old != new and not renamed_back:
        what.append(f"renames table {old} to {new}")
        fixes.append(f"# keep the table: pin it before renaming (then neither operation emits SQL)\n"
                     f"migrations.AlterModelTable({op.old_name_lower!r}, {old!r}),\n"
                     f"migrations.RenameModel({op.old_name!r}, {op.new_name!r}),\n"
                     f"# and in models.py, on {op.new_name}: class Meta: db_table = {old!r}\n"
                     "# rename the table later, if ever, with a view in between.")
    if has_m2m:
        what.append(f"renames the many-to-many tables of {op.old_name} (or their {op.old_name_lower}_id "
                    "columns)")
        fixes.append("# pin db_table on the ManyToManyField (or use a through model) to keep the join "
                     "tables and their columns")
    if joins:
        what.append(f"renames column {op.old_name_lower}_id of {', '.join(joins)} to {op.new_name_lower}_id "
                    "(Django names a join table's column after the model)")
        fixes.append(f"# give each ManyToManyField pointing at {op.old_name} an explicit through model whose "
                     f"ForeignKey keeps db_column='{op.old_name_lower}_id' (SeparateDatabaseAndState: "
                     "no SQL), then rename")
    yield ctx.finding(
        "rename-model", "error",
        f"RenameModel {op.old_name} -> {op.new_name} {'; '.join(what)}: the old code still queries the "
        "old names during the rollout (run before it) or the new code queries the new ones (run after it).",
        "\n".join(fixes), effect="blocked")


@rule(migrations.AlterModelTable, ids=TABLE_IDS, skip_new_tables=True)
def check_alter_model_table(ctx: OperationContext) -> Iterator[Finding]:
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


def _referencing_foreign_keys(ctx: OperationContext, table: str) -> Iterator[Finding]:
    op = ctx.operation
    target = f"{ctx.app_label}.{op.new_name_lower}"
    columns: list[str] = []
    for _key, model in sorted(ctx.state.models.items()):
        for name, field in model.fields.items():
            remote = getattr(field, "remote_field", None)
            to = getattr(remote, "model", None)
            if field.many_to_many or not isinstance(to, str) or to.lower() != target:
                continue
            if getattr(field, "db_constraint", True):
                columns.append(f"{table_name(model)}.{column_name(name, field)}")
    if not columns:
        return
    yield ctx.finding(
        "rename-model-foreign-keys", "warning",
        f"RenameModel {op.old_name} -> {op.new_name} keeps table {table} (db_table is pinned afterwards), "
        f"but Django drops and re-creates the FOREIGN KEY of {', '.join(columns)} on the way: PostgreSQL "
        f"validates each against every row while writes to those tables and to {table} wait.",
        "# swap the two operations: pin the table first, then rename (neither emits SQL)\n"
        f"migrations.AlterModelTable({op.old_name_lower!r}, {table!r}),\n"
        f"migrations.RenameModel({op.old_name!r}, {op.new_name!r}),")


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
