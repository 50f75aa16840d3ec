"""The schema-relevant facts about a field, computed from migration state without a database.

The checker never asks a database what SQL a field produces: it compares what PostgreSQL would store
(column name, type, NULL, database default, unique, index, foreign key). The PostgreSQL column type is
derived from Django's internal type name with the same table the postgresql backend uses, so the
answer does not depend on which database the settings point at, nor on psycopg being installed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.db.migrations.state import ProjectState
    from django.db.models import Field

# PostgreSQL column types per Django internal type (the postgresql backend's data_types).
_PG_TYPES: dict[str, str] = {
    "AutoField": "integer",
    "BigAutoField": "bigint",
    "SmallAutoField": "smallint",
    "BinaryField": "bytea",
    "BooleanField": "boolean",
    "CharField": "varchar(%(max_length)s)",
    "DateField": "date",
    "DateTimeField": "timestamp with time zone",
    "DecimalField": "numeric(%(max_digits)s, %(decimal_places)s)",
    "DurationField": "interval",
    "FileField": "varchar(%(max_length)s)",
    "FilePathField": "varchar(%(max_length)s)",
    "FloatField": "double precision",
    "IntegerField": "integer",
    "BigIntegerField": "bigint",
    "IPAddressField": "inet",
    "GenericIPAddressField": "inet",
    "JSONField": "jsonb",
    "PositiveBigIntegerField": "bigint",
    "PositiveIntegerField": "integer",
    "PositiveSmallIntegerField": "smallint",
    "SlugField": "varchar(%(max_length)s)",
    "SmallIntegerField": "smallint",
    "TextField": "text",
    "TimeField": "time",
    "UUIDField": "uuid",
}
_CHECKED = {"PositiveBigIntegerField", "PositiveIntegerField", "PositiveSmallIntegerField"}
_AUTO_TO_PLAIN = {
    "AutoField": "IntegerField",
    "BigAutoField": "BigIntegerField",
    "SmallAutoField": "SmallIntegerField",
}
_VARCHAR = re.compile(r"^varchar(?:\((\d+)\))?$")
_NUMERIC = re.compile(r"^numeric(?:\((\d+), (\d+)\))?$")


class _Ops:
    @staticmethod
    def quote_name(name: str) -> str:
        return name if name.startswith('"') else f'"{name}"'


class _PostgresTypes:
    """Just enough of a connection for ``Field.db_type`` of custom fields; it never connects."""

    vendor = "postgresql"
    display_name = "PostgreSQL"
    data_types = _PG_TYPES
    data_type_check_constraints: dict[str, str] = {}
    ops = _Ops()

    class features:
        supports_collation_on_charfield = True
        supports_collation_on_textfield = True


_SHIM = _PostgresTypes()


def column_name(name: str, field: Field) -> str:
    """The column a field of that name uses (``name_id`` for a foreign key)."""
    if field.db_column:
        return str(field.db_column)
    single = getattr(field, "many_to_one", False) or getattr(field, "one_to_one", False)
    return f"{name}_id" if single else name


def is_concrete_column(field: Field) -> bool:
    """False for fields without a column of their own (many-to-many, generic relations)."""
    if field.many_to_many or getattr(field, "one_to_many", False):
        return False
    return bool(getattr(field, "concrete", True))


def _own_type(field: Field) -> str | None:
    cls = type(field)
    from django.db.models import Field as BaseField

    internal = field.get_internal_type()
    if cls.db_type is not BaseField.db_type or internal not in _PG_TYPES:
        try:
            custom = field.db_type(_SHIM)  # type: ignore[arg-type]
        except Exception:
            custom = None
        return str(custom) if custom else f"{cls.__module__}.{cls.__qualname__}"
    template = _PG_TYPES[internal]
    if internal == "CharField" and field.max_length is None:
        return "varchar"
    return str(template % field.__dict__)


def _target_field(field: Field, state: ProjectState | None) -> Field | None:
    if state is None:
        return None
    remote = field.remote_field
    target = getattr(remote, "model", None)
    if not isinstance(target, str) or "." not in target:
        return None
    app_label, model_name = target.split(".", 1)
    model = state.models.get((app_label, model_name.lower()))
    if model is None:
        return None
    to_field = getattr(remote, "field_name", None)
    if to_field and to_field in model.fields:
        return model.fields[to_field]
    for candidate in model.fields.values():
        if candidate.primary_key:
            return candidate
    return None


def column_type(field: Field, state: ProjectState | None = None, _depth: int = 0) -> str | None:
    """The PostgreSQL type of the field's column, or None when it has no column / cannot be known."""
    if not is_concrete_column(field):
        return None
    if field.is_relation and (field.many_to_one or field.one_to_one):
        target = _target_field(field, state)
        if target is None or _depth > 5:
            return None
        internal = target.get_internal_type()
        if internal in _AUTO_TO_PLAIN or internal in _CHECKED:
            return _PG_TYPES[internal]
        return column_type(target, state, _depth + 1)
    return _own_type(field)


def check_constraint(field: Field) -> str | None:
    """The CHECK constraint Django adds for the type (positive integers), if any."""
    return ">= 0" if field.get_internal_type() in _CHECKED and not field.is_relation else None


def db_default_repr(field: Field) -> str | None:
    from django.db.models import NOT_PROVIDED

    value = getattr(field, "db_default", NOT_PROVIDED)
    if value is NOT_PROVIDED:
        return None
    return repr(value)


def has_db_default(field: Field) -> bool:
    return db_default_repr(field) is not None


def has_default(field: Field) -> bool:
    from django.db.models import NOT_PROVIDED

    return field.default is not NOT_PROVIDED


@dataclass(frozen=True)
class ColumnSpec:
    """Everything about a field that reaches the database schema.

    Not db_tablespace: Django's schema editor never moves an existing column or index to another
    tablespace, so changing it emits no SQL.
    """

    column: str
    type: str | None
    check: str | None
    null: bool
    db_default: str | None
    primary_key: bool
    unique: bool
    db_index: bool
    fk_target: str | None
    db_constraint: bool
    db_collation: str | None
    db_comment: str | None
    generated: str | None

    def changed(self, other: ColumnSpec) -> set[str]:
        return {name for name in self.__dataclass_fields__ if getattr(self, name) != getattr(other, name)}


def _fk_target(field: Field, state: ProjectState | None) -> str | None:
    if not (field.many_to_one or field.one_to_one) or state is None:
        return None
    target = getattr(field.remote_field, "model", None)
    if not isinstance(target, str) or "." not in target:
        return str(target)
    app_label, model_name = target.split(".", 1)
    model = state.models.get((app_label, model_name.lower()))
    if model is None:
        return target.lower()
    from djhelm.safety.context import table_name

    to_field = getattr(field.remote_field, "field_name", None) or ""
    return f"{table_name(model)}.{to_field}"


def column_spec(name: str, field: Field, state: ProjectState | None = None) -> ColumnSpec:
    generated: str | None = None
    if getattr(field, "generated", False):
        generated = repr((getattr(field, "expression", None), getattr(field, "db_persist", None)))
    return ColumnSpec(
        column=column_name(name, field),
        type=column_type(field, state),
        check=check_constraint(field),
        null=bool(field.null),
        db_default=db_default_repr(field),
        primary_key=bool(field.primary_key),
        unique=bool(field.unique) and not field.primary_key,
        db_index=bool(field.db_index) and not field.unique and not field.primary_key,
        fk_target=_fk_target(field, state),
        db_constraint=bool(getattr(field, "db_constraint", False)),
        db_collation=getattr(field, "db_collation", None),
        db_comment=getattr(field, "db_comment", None),
        generated=generated,
    )


def varchar_length(type_: str | None) -> tuple[bool, int | None]:
    """(is varchar, its length or None for unlimited)."""
    match = _VARCHAR.match(type_ or "")
    if not match:
        return False, None
    return True, int(match.group(1)) if match.group(1) else None


def numeric_params(type_: str | None) -> tuple[bool, tuple[int, int] | None]:
    match = _NUMERIC.match(type_ or "")
    if not match:
        return False, None
    return True, (int(match.group(1)), int(match.group(2))) if match.group(1) else None


def type_change_is_metadata_only(old: str | None, new: str | None) -> bool:
    """True when PostgreSQL changes the type without rewriting or scanning the table."""
    if old == new:
        return True
    old_varchar, old_len = varchar_length(old)
    new_varchar, new_len = varchar_length(new)
    if old_varchar and new == "text":
        return True
    if old_varchar and new_varchar:
        return new_len is None or (old_len is not None and new_len >= old_len)
    old_num, old_params = numeric_params(old)
    new_num, new_params = numeric_params(new)
    if old_num and new_num:
        if new_params is None:
            return True
        return old_params is not None and old_params[1] == new_params[1] and new_params[0] >= old_params[0]
    return False


def _referenced_table(field: Field, state: ProjectState | None) -> str | None:
    target = getattr(field.remote_field, "model", None)
    if state is None or not isinstance(target, str) or "." not in target:
        return None
    app_label, model_name = target.split(".", 1)
    model = state.models.get((app_label, model_name.lower()))
    if model is None:
        return None
    from djhelm.safety.context import table_name

    return table_name(model)


def should_be_altered(
    old_name: str,
    old: Field,
    new_name: str,
    new: Field,
    state: ProjectState | None,
    *,
    ignore: frozenset[str] = frozenset(),
) -> bool:
    """Whether Django's schema editor touches the column at all, decided as Django decides it
    (``BaseDatabaseSchemaEditor._field_should_be_altered``): every deconstructed argument counts except
    the ones Django declares schema-free (``Field.non_db_attrs``) and a ``to`` that keeps the referenced
    table. That includes the field's class path and its Python ``default``, which never reach a column
    but do make Django drop and re-add a foreign key (see :func:`foreign_key_rebuilt`)."""
    if not is_concrete_column(old) and not is_concrete_column(new):
        return False
    _, old_path, old_args, old_kwargs = old.deconstruct()
    _, new_path, new_args, new_kwargs = new.deconstruct()
    for kwargs, field in ((old_kwargs, old), (new_kwargs, new)):
        for attr in ignore | frozenset(getattr(field, "non_db_attrs", ())):
            kwargs.pop(attr, None)
    if not new.many_to_many and old.remote_field is not None and new.remote_field is not None:
        old_table = _referenced_table(old, state)
        if old_table is not None and old_table == _referenced_table(new, state):
            old_kwargs.pop("to", None)
            new_kwargs.pop("to", None)
    if column_name(old_name, old) != column_name(new_name, new):
        return True
    return (old_path, old_args, old_kwargs) != (new_path, new_args, new_kwargs)


def foreign_key_rebuilt(name: str, old: Field, new: Field, state: ProjectState | None) -> bool:
    """True when an AlterField makes Django drop the column's FOREIGN KEY constraint and add it again
    (``_alter_field``: dropped when the field should be altered ignoring ``db_comment``, re-added when
    the new field keeps a constraint); the new constraint is validated against every row."""
    if old.many_to_many or new.many_to_many:
        return False
    had = old.remote_field is not None and bool(getattr(old, "db_constraint", False))
    has = new.remote_field is not None and bool(getattr(new, "db_constraint", False))
    return had and has and should_be_altered(name, old, name, new, state, ignore=frozenset({"db_comment"}))


_TEXT_KINDS = ("varchar", "text", "citext")


def _indexed(spec: ColumnSpec) -> bool:
    # Django's field.unique is true for a primary key too, and a unique column gets a _like index
    return spec.db_index or spec.unique or spec.primary_key


def like_index_rebuilt(was: ColumnSpec, now: ColumnSpec) -> bool:
    """True when Django drops the column's ``_like`` pattern-ops index and builds it again with a plain
    CREATE INDEX: an indexed varchar/text/citext column changes to another of these kinds
    (postgresql ``DatabaseSchemaEditor._is_changing_type_of_indexed_text_column`` and ``_alter_field``)."""
    if was.type is None or now.type is None or not _indexed(was) or not _indexed(now) or "[" in now.type:
        return False
    old_kind = next((kind for kind in _TEXT_KINDS if was.type.startswith(kind)), None)
    new_kind = next((kind for kind in ("varchar", "text") if now.type.startswith(kind)), None)
    return old_kind is not None and new_kind is not None and not now.type.startswith(old_kind)
