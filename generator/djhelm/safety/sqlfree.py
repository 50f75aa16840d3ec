"""Which operations emit no SQL at all. Those fit either phase and get no finding, whatever rules say.

Decided from the migration state, not by asking a schema editor: the checker must run without a
database driver and fast (thousands of migrations in well under a second), and comparing what reaches
the schema (see fields.ColumnSpec) answers the same question Django's ``_field_should_be_altered`` does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import migrations

from djhelm.safety.context import table_name
from djhelm.safety.fields import column_spec, foreign_key_rebuilt

if TYPE_CHECKING:
    from django.db.migrations.state import ModelState, ProjectState

    from djhelm.safety.context import OperationContext

_STATE_ONLY = (migrations.AlterModelOptions, migrations.AlterModelManagers)


# Operations on a model that Django skips when its model has no table of its own: the schema editor runs
# only when `allow_migrate_model` passes, i.e. `_meta.can_migrate()`: managed, not a proxy, not swapped.
_DATABASE_FREE_OPERATIONS = (migrations.RunSQL, migrations.RunPython, migrations.SeparateDatabaseAndState)


def emits_sql(ctx: OperationContext) -> bool:
    op = ctx.operation
    before, after = ctx.model_before, ctx.model_after
    if isinstance(op, _STATE_ONLY):
        return False
    model = after if after is not None else before
    if model is not None and not isinstance(op, _DATABASE_FREE_OPERATIONS) and not has_table(model):
        return False
    if isinstance(op, migrations.AlterField) and before is not None and after is not None:
        old = before.fields.get(op.name)
        new = after.fields.get(op.name)
        if old is None or new is None:
            return True
        if old.many_to_many and new.many_to_many:
            return _m2m_table(before, op.name, old) != _m2m_table(after, op.name, new) or (
                old.remote_field.model != new.remote_field.model
            )
        return column_spec(op.name, old, ctx.state) != column_spec(op.name, new, ctx.state) or (
            foreign_key_rebuilt(op.name, old, new, ctx.state)
        )
    if isinstance(op, migrations.RenameField) and before is not None:
        old = before.fields.get(op.old_name)
        if old is not None and old.many_to_many:
            # an auto-created join table is named after the field unless db_table pins it
            return not getattr(old, "db_table", None) and not old.remote_field.through
        return old is None or not old.db_column
    if isinstance(op, migrations.RenameModel) and before is not None and after is not None:
        has_m2m = any(f.many_to_many for f in after.fields.values())
        referenced = bool(m2m_pointing_at(ctx.state, ctx.app_label, op.new_name_lower))
        return table_name(before) != table_name(after) or has_m2m or referenced
    if isinstance(op, migrations.AlterModelTable) and before is not None and after is not None:
        return table_name(before) != table_name(after)
    together = (migrations.AlterUniqueTogether, migrations.AlterIndexTogether)
    if isinstance(op, together) and before is not None and after is not None:
        name = op.option_name
        return _normalise(before.options.get(name)) != _normalise(after.options.get(name))
    if isinstance(op, migrations.AlterOrderWithRespectTo) and before is not None and after is not None:
        # Django adds or drops the _order column only when ordering starts or stops.
        key = "order_with_respect_to"
        return bool(before.options.get(key)) != bool(after.options.get(key))
    if isinstance(op, migrations.SeparateDatabaseAndState):
        return bool(op.database_operations)
    if isinstance(op, migrations.RunSQL):
        return op.sql not in ("", [], (), None) and op.sql is not migrations.RunSQL.noop
    if isinstance(op, migrations.RunPython):
        return op.code is not migrations.RunPython.noop
    return True


def has_table(model: ModelState) -> bool:
    """False for models Django never creates a table for: unmanaged, proxy, or swapped out by a setting
    (auth.User when AUTH_USER_MODEL names another model)."""
    options = model.options
    if options.get("managed", True) is False or options.get("proxy"):
        return False
    setting = options.get("swappable")
    if setting:
        from django.conf import settings

        target = getattr(settings, setting, None) if settings.configured else None
        if isinstance(target, str) and target.lower() != f"{model.app_label}.{model.name_lower}":
            return False
    return True


def m2m_pointing_at(state: ProjectState, app_label: str, model_name_lower: str) -> list[str]:
    """Join tables of auto-created ManyToManyFields of other models pointing at this one (sorted).

    Renaming the model renames their ``<model>_id`` column: Django derives it from the model name.
    """
    target = f"{app_label}.{model_name_lower}"
    tables: list[str] = []
    for (app, name), model in sorted(state.models.items()):
        if (app, name) == (app_label, model_name_lower):
            continue  # the model's own many-to-many fields are judged on their own
        for field_name, field in model.fields.items():
            to = getattr(field.remote_field, "model", None) if field.many_to_many else None
            if isinstance(to, str) and to.lower() == target and not field.remote_field.through:
                tables.append(str(getattr(field, "db_table", None) or f"{table_name(model)}_{field_name}"))
    return tables


def _m2m_table(model: ModelState, name: str, field: Any) -> str:
    """The join table's name: db_table, else Django's default (pinning it to that name is no change)."""
    through = getattr(field.remote_field, "through", None)
    if through:
        return f"through:{str(through).lower()}"
    return str(getattr(field, "db_table", None) or f"{table_name(model)}_{name}")


def _normalise(value: object) -> frozenset[tuple[str, ...]]:
    if not value:
        return frozenset()
    items = value if isinstance(value, (set, frozenset, list, tuple)) else [value]
    out: set[tuple[str, ...]] = set()
    for item in items:
        out.add(tuple(item) if isinstance(item, (list, tuple)) else (str(item),))
    return frozenset(out)
