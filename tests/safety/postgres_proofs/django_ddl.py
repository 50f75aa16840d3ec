"""Print, as JSON, the SQL Django's real PostgreSQL schema editor emits for the operations the rules judge.

Run as a subprocess (``python -m tests.safety.postgres_proofs.django_ddl DATABASE_URL``) so the settings it
configures never leak into the test process. Each scenario is: the operations that build the starting
schema (``setup``) and the one operation a rule makes a claim about (``sql``).
"""

from __future__ import annotations

import json
import sys
from typing import Any


def _configure(url: str) -> None:
    import dj_database_url
    import django
    from django.conf import settings

    settings.configure(
        DATABASES={"default": dj_database_url.parse(url)},
        INSTALLED_APPS=[],
        USE_TZ=True,
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
    )
    django.setup()


def _scenarios() -> dict[str, tuple[list[Any], Any]]:
    import uuid

    from django.contrib.postgres.functions import RandomUUID
    from django.contrib.postgres.operations import (
        AddConstraintNotValid,
        AddIndexConcurrently,
        RemoveIndexConcurrently,
        ValidateConstraint,
    )
    from django.db import migrations, models
    from django.db.models.functions import Random, Upper

    base = [
        migrations.CreateModel("Owner", [("id", models.BigAutoField(primary_key=True))]),
        migrations.CreateModel("Item", [
            ("id", models.BigAutoField(primary_key=True)),
            ("name", models.CharField(max_length=10, null=True)),
            ("qty", models.IntegerField(null=True)),
            ("code", models.CharField(max_length=20, null=True)),
            ("label", models.CharField(max_length=20, default="x")),
        ]),
    ]
    index = models.Index(fields=["qty"], name="item_qty_idx")
    check = models.CheckConstraint(condition=models.Q(qty__gte=0), name="item_qty_nonneg")
    indexed = [*base, migrations.AddIndex("item", index)]
    checked = [*base, AddConstraintNotValid("item", check)]
    priced = [*base, migrations.AddField("item", "price", models.DecimalField(
        max_digits=8, decimal_places=2, null=True))]
    code_indexed = [*base, migrations.AddIndex("item", models.Index(fields=["code"], name="item_code_idx"))]
    owned = [*base, migrations.AddField("item", "owner", models.ForeignKey(
        "proof.owner", null=True, on_delete=models.CASCADE))]
    code_db_indexed = [*base, migrations.AlterField("item", "code", models.CharField(
        max_length=20, null=True, db_index=True))]

    class OwnerKey(models.ForeignKey):  # type: ignore[type-arg]
        """A subclass that changes nothing but the field's class path."""
    return {
        "add_index": (base, migrations.AddIndex("item", index)),
        "add_index_concurrently": (base, AddIndexConcurrently("item", index)),
        "remove_index": (indexed, migrations.RemoveIndex("item", "item_qty_idx")),
        "remove_index_concurrently": (indexed, RemoveIndexConcurrently("item", "item_qty_idx")),
        "add_check": (base, migrations.AddConstraint("item", check)),
        "add_check_not_valid": (base, AddConstraintNotValid("item", check)),
        "validate_check": (checked, ValidateConstraint("item", "item_qty_nonneg")),
        "add_unique": (base, migrations.AddConstraint(
            "item", models.UniqueConstraint(fields=["code"], name="item_code_uniq"))),
        "add_fk": (base, migrations.AddField("item", "owner", models.ForeignKey(
            "proof.owner", null=True, on_delete=models.CASCADE))),
        "set_not_null": (base, migrations.AlterField("item", "qty", models.IntegerField())),
        "int_to_bigint": (base, migrations.AlterField("item", "qty", models.BigIntegerField(null=True))),
        "varchar_to_text": (base, migrations.AlterField("item", "name", models.TextField(null=True))),
        "varchar_longer": (base, migrations.AlterField(
            "item", "name", models.CharField(max_length=50, null=True))),
        "add_field_default": (base, migrations.AddField("item", "stock", models.IntegerField(default=0))),
        "add_field_db_default": (base, migrations.AddField(
            "item", "stock", models.IntegerField(db_default=0))),
        "add_field_null": (base, migrations.AddField("item", "note", models.TextField(null=True))),
        "add_field_positive": (base, migrations.AddField(
            "item", "rank", models.PositiveIntegerField(null=True))),
        "add_field_blank": (base, migrations.AddField("item", "bio", models.TextField(blank=True))),
        "add_field_callable": (base, migrations.AddField(
            "item", "token", models.UUIDField(default=uuid.uuid4))),
        "add_field_unique": (base, migrations.AddField(
            "item", "sku", models.CharField(max_length=10, null=True, unique=True))),
        "alter_field_unique": (base, migrations.AlterField(
            "item", "code", models.CharField(max_length=20, null=True, unique=True))),
        "add_partial_unique": (base, migrations.AddConstraint("item", models.UniqueConstraint(
            fields=["code"], condition=models.Q(qty__gt=0), name="item_code_live_uniq"))),
        "add_field_volatile": (base, migrations.AddField(
            "item", "score", models.FloatField(db_default=Random()))),
        "add_field_uuid": (base, migrations.AddField(
            "item", "token", models.UUIDField(db_default=RandomUUID()))),
        "remove_field_nullable": (base, migrations.RemoveField("item", "code")),
        "remove_field_not_null": (base, migrations.RemoveField("item", "label")),
        "rename_model": (base, migrations.RenameModel("Item", "Article")),
        "alter_model_table": (base, migrations.AlterModelTable("item", "proof_thing")),
        "rename_field": (base, migrations.RenameField("item", "code", "sku")),
        "order_with_respect_to": (owned, migrations.AlterOrderWithRespectTo("item", "owner")),
        "varchar_shorter": (base, migrations.AlterField(
            "item", "name", models.CharField(max_length=5, null=True))),
        "decimal_scale": (priced, migrations.AlterField(
            "item", "price", models.DecimalField(max_digits=10, decimal_places=3, null=True))),
        "add_field_generated": (base, migrations.AddField("item", "upper", models.GeneratedField(
            expression=Upper("code"), output_field=models.CharField(max_length=20), db_persist=True))),
        "alter_collation": (code_indexed, migrations.AlterField(
            "item", "code", models.CharField(max_length=20, null=True, db_collation="C"))),
        # makemigrations' shape after Meta.db_table pins the old name, and the same two steps swapped
        "rename_then_pin": (owned, [migrations.RenameModel("Owner", "Boss"),
                                    migrations.AlterModelTable("boss", "proof_owner")]),
        "pin_then_rename": (owned, [migrations.AlterModelTable("owner", "proof_owner"),
                                    migrations.RenameModel("Owner", "Boss")]),
        "pin_then_rename_m2m": ([*base, migrations.AddField("item", "owners", models.ManyToManyField(
            "proof.owner"))], [migrations.AlterModelTable("owner", "proof_owner"),
                               migrations.RenameModel("Owner", "Boss")]),
        "alter_fk_drop_index": (owned, migrations.AlterField("item", "owner", models.ForeignKey(
            "proof.owner", null=True, db_index=False, on_delete=models.CASCADE))),
        "alter_fk_default": (owned, migrations.AlterField("item", "owner", models.ForeignKey(
            "proof.owner", null=True, default=1, on_delete=models.CASCADE))),
        "alter_fk_subclass": (owned, migrations.AlterField("item", "owner", OwnerKey(
            "proof.owner", null=True, on_delete=models.CASCADE))),
        "indexed_varchar_to_text": (code_db_indexed, migrations.AlterField(
            "item", "code", models.TextField(null=True, db_index=True))),
    }


def _collect(app: str, state: Any, operation: Any) -> tuple[list[str], Any]:
    """The SQL of one operation (or of a list of operations, in order) and the state after it."""
    from django.db import connection

    sql: list[str] = []
    for op in operation if isinstance(operation, list) else [operation]:
        new_state = state.clone()
        op.state_forwards(app, new_state)
        with connection.schema_editor(collect_sql=True, atomic=False) as editor:
            op.database_forwards(app, editor, state, new_state)
        sql.extend(editor.collected_sql)
        state = new_state
    return sql, state


# Scenarios whose DDL depends on what the schema editor finds in the database (constraint names it
# drops): their setup is applied for real, in a transaction rolled back once the SQL is collected.
_INTROSPECTED = frozenset({
    "alter_fk_drop_index", "alter_fk_default", "alter_fk_subclass",
    "rename_then_pin", "pin_then_rename", "pin_then_rename_m2m",
})


class _RollBack(Exception):
    pass


def generate() -> dict[str, dict[str, list[str]]]:
    from django.db import connection, transaction
    from django.db.migrations.state import ProjectState

    out: dict[str, dict[str, list[str]]] = {}
    for name, (setup_ops, operation) in _scenarios().items():
        state = ProjectState()
        setup: list[str] = []
        for op in setup_ops:
            sql, state = _collect("proof", state, op)
            setup.extend(sql)
        if name in _INTROSPECTED:
            try:
                with transaction.atomic():
                    with connection.cursor() as cursor:
                        for statement in setup:
                            cursor.execute(statement)
                    sql, _ = _collect("proof", state, operation)
                    raise _RollBack
            except _RollBack:
                pass
        else:
            sql, _ = _collect("proof", state, operation)
        out[name] = {"setup": setup, "sql": sql}
    return out


if __name__ == "__main__":
    _configure(sys.argv[1])
    json.dump(generate(), sys.stdout, indent=1, sort_keys=True)
