"""Column facts computed from fields without a database: the basis of the no-SQL and type rules."""

from __future__ import annotations

import pytest
from django.db import models

from djhelm.safety.fields import column_name, column_spec, column_type, type_change_is_metadata_only


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (models.IntegerField(), "integer"),
        (models.BigAutoField(primary_key=True), "bigint"),
        (models.CharField(max_length=12), "varchar(12)"),
        (models.CharField(), "varchar"),
        (models.EmailField(), "varchar(254)"),
        (models.SlugField(), "varchar(50)"),
        (models.DecimalField(max_digits=8, decimal_places=2), "numeric(8, 2)"),
        (models.DateTimeField(), "timestamp with time zone"),
        (models.JSONField(), "jsonb"),
        (models.PositiveIntegerField(), "integer"),
        (models.TextField(), "text"),
        (models.UUIDField(), "uuid"),
    ],
)
def test_column_type(field: models.Field, expected: str) -> None:  # type: ignore[type-arg]
    assert column_type(field) == expected


@pytest.mark.parametrize(
    ("old", "new", "metadata_only"),
    [
        ("varchar(10)", "varchar(20)", True),
        ("varchar(20)", "varchar(10)", False),
        ("varchar(10)", "varchar", True),
        ("varchar(10)", "text", True),
        ("text", "varchar(10)", False),
        ("integer", "bigint", False),
        ("numeric(8, 2)", "numeric(10, 2)", True),
        ("numeric(8, 2)", "numeric(10, 3)", False),
        ("numeric(8, 2)", "numeric", True),
        ("integer", "integer", True),
        ("timestamp with time zone", "date", False),
    ],
)
def test_type_change_is_metadata_only(old: str, new: str, metadata_only: bool) -> None:
    assert type_change_is_metadata_only(old, new) is metadata_only


def test_spec_ignores_attributes_without_sql() -> None:
    plain = column_spec("title", models.CharField(max_length=10))
    labelled = column_spec("title", models.CharField(
        max_length=10, verbose_name="T", help_text="h", blank=True, choices=[("a", "A")], default="a",
        db_column="title",
    ))
    assert plain == labelled
    assert column_spec("title", models.CharField(max_length=10, null=True)).changed(plain) == {"null"}
    assert column_spec("title", models.CharField(max_length=11)).changed(plain) == {"type"}


def test_column_names() -> None:
    fk = models.ForeignKey("auth.User", on_delete=models.CASCADE)
    assert column_name("owner", fk) == "owner_id"
    assert column_name("owner", models.IntegerField(db_column="who")) == "who"
