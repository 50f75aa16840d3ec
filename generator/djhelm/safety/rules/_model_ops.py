"""Helpers for the index, constraint and model rules: fix snippets and what an index or constraint is."""

from __future__ import annotations

from typing import Any

NOT_ATOMIC = "# on the Migration class:\natomic = False"


def is_postgres_op(op: Any, name: str) -> bool:
    """``op`` is (a subclass of) django.contrib.postgres.operations.<name>.

    Matched by name: importing django.contrib.postgres needs psycopg, which the checker must not need.
    """
    return any(cls.__name__ == name and cls.__module__ == "django.contrib.postgres.operations"
               for cls in type(op).__mro__)


def postgres_operation(name: str) -> type | None:
    """The class, when django.contrib.postgres imports (no psycopg: no migration can use it either)."""
    try:
        from django.contrib.postgres import operations
    except ImportError:
        return None
    found = getattr(operations, name, None)
    return found if isinstance(found, type) else None


def deconstructed(obj: Any) -> str:
    """Migration source for an index or constraint, as makemigrations would write it."""
    from django.db.migrations.writer import MigrationWriter

    try:
        source, _imports = MigrationWriter.serialize(obj)
    except ValueError:  # a value Django cannot serialize: show what we can
        return repr(obj)
    return str(source)


def index_source(index: Any) -> str:
    return deconstructed(index)


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def columns_of(model: Any, field_names: Any) -> list[str] | None:
    """Column names of ``field_names`` on a ModelState, or None if any is unknown (expressions)."""
    from djhelm.safety.fields import column_name

    columns: list[str] = []
    for name in field_names or ():
        field = model.fields.get(name) if model is not None else None
        if field is None:
            return None
        columns.append(column_name(name, field))
    return columns


def unique_index_fix(state_op_source: str, table: str, name: str, columns: list[str] | None,
                     condition: bool = False) -> str:
    """SeparateDatabaseAndState that builds the unique index concurrently, then attaches it."""
    cols = ", ".join(quoted(c) for c in columns) if columns else "<columns>"
    lines = [
        NOT_ATOMIC + "  # CREATE INDEX CONCURRENTLY cannot run in a transaction",
        "migrations.SeparateDatabaseAndState(",
        f"    state_operations=[{state_op_source}],",
        "    database_operations=[",
        "        migrations.RunSQL(",
        f"            'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {quoted(name)} '",
        f"            'ON {quoted(table)} ({cols})',",
        f"            reverse_sql='DROP INDEX CONCURRENTLY IF EXISTS {quoted(name)}',",
        "        ),",
    ]
    if not condition:
        lines += [
            "        migrations.RunSQL(",
            f"            'ALTER TABLE {quoted(table)} ADD CONSTRAINT {quoted(name)} UNIQUE USING INDEX "
            f"{quoted(name)}',",
            f"            reverse_sql='ALTER TABLE {quoted(table)} DROP CONSTRAINT IF EXISTS '",
            f"                        '{quoted(name)}',",
            "        ),",
        ]
    lines += ["    ],", ")"]
    return "\n".join(lines)


def together_sets(model: Any, option: str) -> set[tuple[str, ...]]:
    """unique_together / index_together of a ModelState as a set of field-name tuples."""
    if model is None:
        return set()
    value = model.options.get(option) or ()
    if value and isinstance(next(iter(value)), str):
        value = (value,)  # a single tuple of names, as Django allows
    return {tuple(item) for item in value}
