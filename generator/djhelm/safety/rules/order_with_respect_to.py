"""AlterOrderWithRespectTo: Django adds or drops the hidden ``_order`` column.

Adding it is the NOT NULL + ``default=`` trap: Django adds ``_order integer DEFAULT 0 NOT NULL`` and drops
the default in the same migration, so the old code's INSERTs (which do not know the column) fail.
Removing it drops a NOT NULL column without a default: the new code's INSERTs fail until the post phase.
Switching from one field to another keeps the column and emits no SQL (see sqlfree).
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db import migrations

from djhelm.safety.context import OperationContext
from djhelm.safety.model import Finding
from djhelm.safety.registry import rule
from djhelm.safety.rules._model_ops import quoted

IDS = {
    "order-with-respect-to-add": "AlterOrderWithRespectTo adds _order NOT NULL and drops its default.",
    "order-with-respect-to-remove": "AlterOrderWithRespectTo drops _order, NOT NULL without a default.",
}


def _ordered(model: object) -> bool:
    return bool(getattr(model, "options", {}).get("order_with_respect_to"))


@rule(migrations.AlterOrderWithRespectTo, ids=IDS, skip_new_tables=True)
def check_order_with_respect_to(ctx: OperationContext) -> Iterator[Finding]:
    op = ctx.operation
    table = ctx.table_name() or "<table>"
    column = f"{quoted(table)}.{quoted('_order')}"
    if not _ordered(ctx.model_before) and _ordered(ctx.model_after):
        yield ctx.finding(
            "order-with-respect-to-add", "error",
            f"{op.name}: Django adds {column} NOT NULL with a temporary DEFAULT 0 and then drops the "
            "default, so every INSERT from the old code (which does not know the column) fails with a NOT "
            "NULL violation until the rollout ends.",
            "# keep the database default (ADD COLUMN with a constant default is metadata only):\n"
            "migrations.SeparateDatabaseAndState(\n"
            f"    state_operations=[migrations.AlterOrderWithRespectTo({op.name!r}, "
            f"{op.order_with_respect_to!r})],\n"
            "    database_operations=[migrations.RunSQL(\n"
            f"        'ALTER TABLE {quoted(table)} ADD COLUMN \"_order\" integer DEFAULT 0 NOT NULL',\n"
            f"        reverse_sql='ALTER TABLE {quoted(table)} DROP COLUMN \"_order\"',\n"
            "    )],\n)",
            effect="blocked", effect_when_acknowledged="pre")
    elif _ordered(ctx.model_before) and not _ordered(ctx.model_after):
        yield ctx.finding(
            "order-with-respect-to-remove", "error",
            f"{op.name}: drops {column}, which is NOT NULL without a database default. The old code still "
            "reads it, and between the rollout and the post phase the new code (which no longer sets it) "
            "INSERTs rows without it and they fail.",
            "# release N (pre): give the column a database default\n"
            f"migrations.RunSQL('ALTER TABLE {quoted(table)} ALTER COLUMN \"_order\" SET DEFAULT 0', "
            f"reverse_sql='ALTER TABLE {quoted(table)} ALTER COLUMN \"_order\" DROP DEFAULT'),\n"
            "# release N+1 (post): drop the column\n"
            "migrations.SeparateDatabaseAndState(\n"
            f"    state_operations=[migrations.AlterOrderWithRespectTo({op.name!r}, None)],\n"
            "    database_operations=[\n"
            f"        migrations.RunSQL('ALTER TABLE {quoted(table)} DROP COLUMN \"_order\"'),\n"
            "    ],\n"
            ")",
            effect="blocked", effect_when_acknowledged="post")
