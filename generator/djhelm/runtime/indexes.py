"""Make a non-atomic migration safe to run again after a failed or killed attempt.

A CREATE INDEX CONCURRENTLY that fails (lock_timeout, cancel, a killed backend) leaves an INVALID index
behind; the next attempt then fails with "relation already exists", and the invalid index still slows
every write.
Before each attempt we drop, with DROP INDEX CONCURRENTLY:
- INVALID indexes on the tables the migration touches or with the names it creates;
- VALID indexes with a name the migration itself creates: the migration is not recorded, so such an index
  is the work of an interrupted earlier attempt (e.g. the build finished after the Job was killed).
The advisory lock guarantees no other migration run is building an index meanwhile.
"""

from __future__ import annotations

from typing import Any

from django.db.migrations.operations.base import Operation


def _created_index_names(operation: Operation) -> set[str]:
    names: set[str] = set()
    index = getattr(operation, "index", None)
    if index is not None and getattr(index, "name", None):
        names.add(str(index.name))
    for index in (getattr(operation, "options", None) or {}).get("indexes", []) or []:
        if getattr(index, "name", None):
            names.add(str(index.name))
    return names


def _table_names(app_label: str, operation: Operation, state: Any) -> set[str]:
    model_name = getattr(operation, "model_name", None) or getattr(operation, "name", None)
    if not isinstance(model_name, str):
        return set()
    model_state = state.models.get((app_label, model_name.lower()))
    if model_state is None:
        return set()
    table = model_state.options.get("db_table")
    if table:
        return {str(table)}
    try:
        return {state.apps.get_model(app_label, model_name)._meta.db_table}
    except LookupError:
        return set()


def leftover_indexes(connection: Any, migration: Any, state: Any) -> list[tuple[str, str, bool]]:
    """(schema, index, valid) for each index left by an earlier attempt of this unapplied migration."""
    tables: set[str] = set()
    created: set[str] = set()
    for operation in migration.operations:
        tables |= _table_names(migration.app_label, operation, state)
        created |= _created_index_names(operation)
    if not tables and not created:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname, i.relname, x.indisvalid FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
            "JOIN pg_namespace n ON n.oid = i.relnamespace "
            "WHERE n.nspname = ANY(current_schemas(false)) "
            "AND ((NOT x.indisvalid AND (t.relname = ANY(%s) OR i.relname = ANY(%s))) "
            "     OR (x.indisvalid AND i.relname = ANY(%s))) "
            "AND NOT x.indisprimary ORDER BY 1, 2",
            [sorted(tables), sorted(created), sorted(created)],
        )
        return [(str(schema), str(name), bool(valid)) for schema, name, valid in cursor.fetchall()]


def drop_index(connection: Any, schema: str, name: str) -> None:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {quote(schema)}.{quote(name)}")
