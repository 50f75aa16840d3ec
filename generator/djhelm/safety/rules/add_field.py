"""AddField on an existing table.

Nullable or db_default: pre (old code's INSERTs leave the column out and the database fills it).
NOT NULL with a value Django knows for existing rows (a Python default, '' for blank=True, the time for
auto_now): Django adds the column with a temporary DEFAULT and drops it in the same migration, so every
INSERT from old code fails afterwards: blocked, use db_default (or, for a callable with no database
equivalent, a nullable column and a backfill). Unique columns build their index under the ALTER's
ACCESS EXCLUSIVE lock; indexed ones build it under a lock that blocks writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from django.db import migrations

from djhelm.safety.context import OperationContext
from djhelm.safety.fields import check_constraint, column_name, column_type, has_db_default, has_default
from djhelm.safety.model import Finding
from djhelm.safety.registry import rule
from djhelm.safety.rules._shared import concurrent_index_fix, default_volatility, field_source, index_name

if TYPE_CHECKING:
    from django.db.models import Field

IDS = {
    "add-field-not-null-default": "AddField NOT NULL with a Python default only: old code's INSERTs fail.",
    "add-field-not-null": "AddField NOT NULL without any default on an existing table.",
    "add-field-volatile-db-default": "AddField db_default that is not a constant.",
    "add-field-unique": "AddField unique=True on an existing table builds a unique index under ACCESS "
                        "EXCLUSIVE.",
    "add-field-index": "AddField with an index (db_index, SlugField, ForeignKey) on an existing table.",
    "add-field-generated": "AddField of a stored GeneratedField computes every row under ACCESS EXCLUSIVE.",
    "add-field-check": "AddField of a Positive*Field: its CHECK is verified on every row under lock.",
}


@rule(migrations.AddField, ids=IDS, skip_new_tables=True)
def check_add_field(ctx: OperationContext) -> Iterator[Finding]:
    op = ctx.operation
    field = op.field
    if field.many_to_many:
        return
    column = column_name(op.name, field)
    table = ctx.table_name() or "<table>"
    model_field = f"{op.model_name}.{op.name}"
    if getattr(field, "generated", False):
        yield ctx.finding(
            "add-field-generated",
            "error",
            f"{model_field} is a stored generated column: PostgreSQL computes it for every existing row, "
            f"rewriting {table} under ACCESS EXCLUSIVE (no reads or writes) until it is done.",
            "Add a plain nullable column, fill it in batches (RunPython) and keep it current in code or "
            "with a trigger; or, for a small table: djhelm_ack = {\"add-field-generated\": \"why\"}",
            effect="blocked",
            effect_when_acknowledged="pre",
        )
        return

    if not field.null and not has_db_default(field) and not field.primary_key:
        yield from _not_null_without_db_default(ctx, field, table, model_field)
    yield from _check_scan(ctx, field, column, table, model_field)
    if has_db_default(field):
        kind = default_volatility(field.db_default)
        if kind == "volatile":
            yield ctx.finding(
                "add-field-volatile-db-default",
                "warning",
                f"{model_field}: db_default {field.db_default!r} is volatile, so PostgreSQL computes it for "
                f"every existing row: the whole of {table} is rewritten under ACCESS EXCLUSIVE "
                "(no reads or writes) for the duration.",
                "Add the column nullable (or with a constant db_default), backfill it in batches with "
                "RunPython, then set the volatile db_default with AlterField (it only applies to new rows).",
                effect="pre",
            )
        elif kind in ("stable-time", "unknown"):
            detail = (
                "every existing row gets the migration's timestamp, not its own"
                if kind == "stable-time"
                else "djhelm cannot tell whether PostgreSQL evaluates it once or rewrites the table"
            )
            yield ctx.finding(
                "add-field-volatile-db-default",
                "warning",
                f"{model_field}: db_default {field.db_default!r} is not a constant: {detail}.",
                "Use a constant db_default, or add the column nullable and backfill it in batches.",
                effect="pre",
            )
    if field.unique and not field.primary_key:
        yield ctx.finding(
            "add-field-unique",
            "error",
            f"{model_field} is unique: ADD COLUMN ... UNIQUE builds the unique index while holding the "
            f"ALTER's ACCESS EXCLUSIVE lock on {table}: reads and writes wait until the index is built.",
            concurrent_index_fix(ctx, column, unique=True),
            effect="blocked",
            effect_when_acknowledged="pre",
        )
    elif field.db_index and not field.primary_key:
        why = "a ForeignKey gets an index" if field.is_relation else "db_index=True (SlugField's default)"
        if field.is_relation:
            why += " and a FOREIGN KEY constraint (briefly locks the referenced table too)"
        yield ctx.finding(
            "add-field-index",
            "warning",
            f"{model_field}: {why}; CREATE INDEX on {table} blocks writes to it while the index builds "
            "(seconds to minutes on a large table).",
            concurrent_index_fix(ctx, column, unique=False),
            effect="pre",
        )


def _check_scan(
    ctx: OperationContext, field: Field, column: str, table: str, label: str
) -> Iterator[Finding]:
    check = check_constraint(field)
    if check is None:
        return
    op = ctx.operation
    name = index_name(table, column, "check")
    null = "NULL" if field.null else "<NOT NULL and the default, as Django adds it>"
    kind = column_type(field, ctx.state) or "<type>"
    add_column = f'ALTER TABLE "{table}" ADD COLUMN "{column}" {kind} {null}'
    validate = f'ALTER TABLE "{table}" VALIDATE CONSTRAINT "{name}"'
    constraint = f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" CHECK ("{column}" {check}) NOT VALID'
    yield ctx.finding(
        "add-field-check",
        "error",
        f"{label} is a {type(field).__name__}: Django adds the column with CHECK ({column} {check}), and "
        f"PostgreSQL verifies it against every existing row of {table} (all NULL or the default, yet it "
        "reads them all) while holding ACCESS EXCLUSIVE: reads and writes wait for the whole scan.",
        "migrations.SeparateDatabaseAndState(\n"
        f"    state_operations=[migrations.AddField({op.model_name!r}, {op.name!r}, {field_source(op)})],\n"
        f"    database_operations=[migrations.RunSQL({add_column!r}), migrations.RunSQL({constraint!r})],\n"
        ")\n"
        f"# a later migration (post): migrations.RunSQL({validate!r})",
        effect="blocked",
        effect_when_acknowledged="pre",
    )


def _not_null_without_db_default(
    ctx: OperationContext, field: Field, table: str, model_field: str
) -> Iterator[Finding]:
    op = ctx.operation
    filled = _value_for_existing_rows(field)
    if filled is None:
        yield ctx.finding(
            "add-field-not-null",
            "error",
            f"{model_field} is added NOT NULL without a default: it fails on a table with rows, and "
            "the old code's INSERTs would violate NOT NULL.",
            f"Add null=True, or db_default=<value>: migrations.AddField({op.model_name!r}, {op.name!r}, "
            f"{field_source(op)[:-1]}, db_default=...))",
            effect="blocked",
            effect_when_acknowledged="pre",
        )
        return
    described, database_default = filled
    if database_default is not None:
        with_default = _with_db_default(field_source(op), database_default)
        fix = f"migrations.AddField({op.model_name!r}, {op.name!r}, {with_default})"
    else:
        fix = (
            f"# {described} has no single database value: release N (pre) adds the column nullable\n"
            f"migrations.AddField({op.model_name!r}, {op.name!r}, <{field_source(op)} with null=True>),\n"
            "# then fills existing rows in batches (RunPython calling it once per row), and release N+1\n"
            "# (post) sets NOT NULL with the CHECK NOT VALID + VALIDATE recipe of alter-field-set-not-null"
        )
    same_value = ""
    if callable(getattr(field, "default", None)):
        unique = " and the unique column fails as soon as the table has two rows" if field.unique else ""
        same_value = f" Django calls {described} once, so every existing row gets that one value{unique}."
    yield ctx.finding(
        "add-field-not-null-default",
        "error",
        f"{model_field} is added NOT NULL without a database default: Django fills the existing rows with "
        f"{described} through a temporary column DEFAULT and drops that default in the same migration, so "
        f"every INSERT into {table} from the old code (which leaves the column out) fails with a NOT NULL "
        f"violation until the rollout ends.{same_value}",
        fix,
        effect="blocked",
        effect_when_acknowledged="pre",
    )


_NOW_FUNCTIONS = frozenset({"now", "today"})


def _value_for_existing_rows(field: Field) -> tuple[str, str | None] | None:
    """What Django writes into existing rows when it adds the column (the schema editor's
    ``_effective_default``: the default, else '' for a blank text-like field, else the time for
    auto_now / auto_now_add), described for a message, with the db_default source that would give the
    old code's INSERTs the same value; None when Django has no value for them."""
    now = "django.db.models.functions.Now()"
    if has_default(field):
        default = field.default
        if callable(default):
            name = getattr(default, "__name__", "the default callable")
            return f"{name}()", now if name in _NOW_FUNCTIONS else None
        return repr(default), repr(default)
    if field.blank and field.empty_strings_allowed:
        empty = "b''" if field.get_internal_type() == "BinaryField" else "''"
        return "'' (blank=True: Django's empty value)", empty
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return "the migration's time (auto_now)", now
    return None


def _with_db_default(source: str, database_default: str) -> str:
    return f"{source[:-1]}, db_default={database_default})".replace("(, ", "(")
