"""Helpers shared by the field rules: names for fix snippets, and what a field's DDL implies."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from djhelm.safety.context import OperationContext

_VOLATILE = frozenset(
    {"RANDOM", "GEN_RANDOM_UUID", "UUID_GENERATE_V4", "CLOCK_TIMESTAMP", "NEXTVAL", "TIMEOFDAY"}
)
_STABLE_TIME = frozenset({"NOW", "CURRENT_TIMESTAMP", "STATEMENT_TIMESTAMP", "TRANSACTION_TIMESTAMP",
                          "CURRENT_DATE", "LOCALTIMESTAMP"})


def field_source(op: Any, *, drop: tuple[str, ...] = (), override: dict[str, Any] | None = None) -> str:
    """The field as it would be written in a migration (``models.CharField(max_length=10)``), without the
    ``drop`` keyword arguments and with ``override`` ones set."""
    field = op.field
    _, path, args, kwargs = field.deconstruct()
    for name in drop:
        kwargs.pop(name, None)
    kwargs.update(override or {})
    short = path.replace("django.db.models.fields.related.", "models.").replace(
        "django.db.models.fields.", "models.").replace("django.db.models.", "models.")
    parts = [repr(a) for a in args] + [f"{k}={_value(v)}" for k, v in sorted(kwargs.items())]
    return f"{short}({', '.join(parts)})"


def _value(value: Any) -> str:
    if hasattr(value, "deconstruct") and not isinstance(value, type):
        try:
            path, args, kwargs = value.deconstruct()
        except (TypeError, ValueError):
            return repr(value)
        name = str(path).rsplit(".", 1)[-1]
        inner = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in sorted(kwargs.items())]
        return f"{name}({', '.join(inner)})"
    if callable(value):
        module = getattr(value, "__module__", "") or ""
        name = getattr(value, "__qualname__", repr(value))
        if module.startswith("django.db.models"):
            return f"models.{name}"  # CASCADE, SET_NULL, ...: re-exported by django.db.models
        return f"{module}.{name}" if module else name
    return repr(value)


def function_names(expression: Any) -> set[str]:
    """Upper-case SQL function names used anywhere in a db_default expression."""
    names: set[str] = set()
    stack = [expression]
    while stack:
        node = stack.pop()
        function = getattr(node, "function", None)
        if isinstance(function, str):
            names.add(function.upper())
        template = getattr(node, "template", None)
        if isinstance(template, str) and "(" not in template:
            names.add(template.strip().upper())
        getter = getattr(node, "get_source_expressions", None)
        if callable(getter):
            stack.extend(e for e in getter() if e is not None)
    return names


def default_volatility(expression: Any) -> str:
    """"constant", "stable-time" (one value for all existing rows), "volatile" (rewrite), or "unknown"."""
    from django.db.models import Value

    if isinstance(expression, Value) or not hasattr(expression, "resolve_expression"):
        return "constant"
    names = function_names(expression)
    if type(expression).__name__ == "Now":
        names.add("NOW")
    if names & _VOLATILE:
        return "volatile"
    if names & _STABLE_TIME:
        return "stable-time"
    return "unknown"


def index_name(table: str, column: str, suffix: str) -> str:
    """A readable index name within PostgreSQL's 63 characters."""
    name = f"{table}_{column}_{suffix}"
    if len(name) <= 63:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: 63 - len(suffix) - 10]}_{digest}_{suffix}"


class _PostgresNames:
    """Enough of a schema editor for Django's own index-name function: PostgreSQL's 63-byte limit."""

    class connection:
        class ops:
            @staticmethod
            def max_name_length() -> int:
                return 63


def django_index_name(table: str, column: str, suffix: str) -> str:
    """The name Django's schema editor gives an index it creates for a field (hash included), so a fix
    can drop exactly that index."""
    from django.db.backends.base.schema import BaseDatabaseSchemaEditor

    return str(BaseDatabaseSchemaEditor._create_index_name(_PostgresNames(), table, [column], suffix))  # type: ignore[arg-type]


def concurrent_index_fix(ctx: OperationContext, column: str, *, unique: bool) -> str:
    """SeparateDatabaseAndState that builds the index concurrently; the state keeps Django's view."""
    op = ctx.operation
    table = ctx.table_name() or "<table>"
    suffix = "uniq" if unique else "idx"
    name = index_name(table, column, suffix)
    kind = "UNIQUE INDEX" if unique else "INDEX"
    op_name = type(op).__name__
    lines = [
        "# Migration class: atomic = False  (CREATE INDEX CONCURRENTLY cannot run in a transaction)",
        "migrations.SeparateDatabaseAndState(",
        f"    state_operations=[migrations.{op_name}({op.model_name!r}, {op.name!r}, {field_source(op)})],",
        "    database_operations=[",
    ]
    if op_name == "AddField":
        # The column itself, without the index Django would build while holding the lock.
        plain = field_source(op, drop=("unique", "db_index"), override={"db_index": False})
        lines.append(f"        migrations.AddField({op.model_name!r}, {op.name!r}, {plain}),")
    lines += [
        "        migrations.RunSQL(",
        f"            'CREATE {kind} CONCURRENTLY IF NOT EXISTS \"{name}\" ON \"{table}\" (\"{column}\")',",
        f"            reverse_sql='DROP INDEX CONCURRENTLY IF EXISTS \"{name}\"',",
        "        ),",
    ]
    if unique:
        lines += [
            "        migrations.RunSQL(",
            f"            'ALTER TABLE \"{table}\" ADD CONSTRAINT \"{name}\" UNIQUE USING INDEX \"{name}\"',",
            f"            reverse_sql='ALTER TABLE \"{table}\" DROP CONSTRAINT IF EXISTS \"{name}\"',",
            "        ),",
        ]
    lines += ["    ],", ")"]
    return "\n".join(lines)
