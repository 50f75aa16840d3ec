"""Proofs that the phase rules protect the code that runs at the time: after each Django DDL, run the
statements the old (or new) release's ORM would send, and see which fail."""

from __future__ import annotations

from collections.abc import Callable

import psycopg
import pytest
from psycopg import errors

from tests.safety.postgres_proofs.locks import run

pytestmark = pytest.mark.postgres
Build = Callable[[str], tuple[str, list[str]]]
# What the old release's ORM sends: it knows only the columns of 0001.
OLD_INSERT = "INSERT INTO proof_item (name, qty, code, label) VALUES ('old', 1, 'o', 'l')"
OLD_SELECT = "SELECT id, name, qty, code, label FROM proof_item"


def test_not_null_field_with_python_default_breaks_old_inserts(scenario_db: Build) -> None:
    url, ddl = scenario_db("add_field_default")
    assert ddl[-1].endswith("DROP DEFAULT;")  # Django drops the temporary default in the same migration
    run(url, ddl)
    with pytest.raises(errors.NotNullViolation):
        run(url, [OLD_INSERT])


def test_blank_text_field_fills_rows_with_empty_strings_then_breaks_old_inserts(scenario_db: Build) -> None:
    url, ddl = scenario_db("add_field_blank")
    # no default in the model: Django's empty value for blank=True, as a temporary DEFAULT ''
    assert "DEFAULT ''" in ddl[0] and ddl[-1].endswith("DROP DEFAULT;")
    run(url, ddl)  # existing rows are fine
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM proof_item WHERE bio <> ''").fetchone() == (0,)
    with pytest.raises(errors.NotNullViolation):
        run(url, [OLD_INSERT])  # what breaks: the old code's INSERTs once the default is gone


def test_callable_default_gives_every_existing_row_one_value(scenario_db: Build) -> None:
    url, ddl = scenario_db("add_field_callable")
    run(url, ddl)
    with psycopg.connect(url) as conn:
        rows, distinct = conn.execute("SELECT count(*), count(DISTINCT token) FROM proof_item").fetchone()  # type: ignore[misc]
    assert rows > 1 and distinct == 1  # uuid4 ran once, not once per row


def test_order_with_respect_to_breaks_old_inserts_unless_the_default_stays(scenario_db: Build) -> None:
    url, ddl = scenario_db("order_with_respect_to")
    assert ddl[-1].endswith("DROP DEFAULT;")  # Django adds _order with a temporary default, as above
    run(url, ddl)
    with pytest.raises(errors.NotNullViolation):
        run(url, [OLD_INSERT])
    # order-with-respect-to-add's fix keeps the database default: the old INSERT works
    run(url, ['ALTER TABLE proof_item DROP COLUMN "_order"',
              'ALTER TABLE proof_item ADD COLUMN "_order" integer DEFAULT 0 NOT NULL', OLD_INSERT])


def test_renaming_a_model_renames_the_join_column_of_many_to_many_fields_pointing_at_it(
    scenario_db: Build,
) -> None:
    url, ddl = scenario_db("pin_then_rename_m2m")  # db_table pinned: only the join table changes
    assert any('RENAME COLUMN "owner_id" TO "boss_id"' in s for s in ddl)
    run(url, ddl)
    with pytest.raises(errors.UndefinedColumn):
        run(url, ["SELECT item_id, owner_id FROM proof_item_owners"])  # the old code's join query


def test_db_default_keeps_old_inserts_working(scenario_db: Build) -> None:
    url, ddl = scenario_db("add_field_db_default")
    run(url, [*ddl, OLD_INSERT])


def test_nullable_field_keeps_old_inserts_working(scenario_db: Build) -> None:
    url, ddl = scenario_db("add_field_null")
    run(url, [*ddl, OLD_INSERT, OLD_SELECT])


def test_drop_column_breaks_old_selects(scenario_db: Build) -> None:
    url, ddl = scenario_db("remove_field_nullable")
    run(url, ddl)
    with pytest.raises(errors.UndefinedColumn):
        run(url, [OLD_SELECT])


def test_new_code_works_while_a_nullable_column_still_exists(scenario_db: Build) -> None:
    url, _ = scenario_db("remove_field_nullable")
    # Before the post phase drops `code`, the new release (which no longer knows it) omits it.
    run(url, ["INSERT INTO proof_item (name, qty, label) VALUES ('new', 1, 'l')"])


def test_new_code_fails_while_a_not_null_column_without_db_default_exists(scenario_db: Build) -> None:
    url, _ = scenario_db("remove_field_not_null")
    with pytest.raises(errors.NotNullViolation):
        run(url, ["INSERT INTO proof_item (name, qty, code) VALUES ('new', 1, 'n')"])


@pytest.mark.parametrize("scenario", ["rename_model", "alter_model_table", "rename_field"])
def test_renames_break_old_code(scenario_db: Build, scenario: str) -> None:
    url, ddl = scenario_db(scenario)
    run(url, ddl)
    with pytest.raises((errors.UndefinedTable, errors.UndefinedColumn)):
        run(url, [OLD_SELECT])


@pytest.mark.parametrize(
    "rename",
    [
        "ALTER TABLE proof_item_id_seq RENAME TO proof_thing_id_seq",
        "ALTER SEQUENCE proof_item_id_seq RENAME TO proof_thing_id_seq",
        "ALTER TABLE proof_item_pkey RENAME TO proof_thing_pkey",
    ],
)
def test_renaming_a_sequence_or_index_leaves_old_code_working(scenario_db: Build, rename: str) -> None:
    """What `djhelm migrations check` judges `pre` for RunSQL (tests/safety/test_sql.py): PostgreSQL refers
    to the id sequence by OID from the column default, and no query of the ORM names an index."""
    from djhelm.safety.sql import judge_sql

    url, _ = scenario_db("add_field_null")  # the base schema: proof_item with its identity sequence
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        found = conn.execute("SELECT pg_get_serial_sequence('proof_item', 'id')").fetchone()
    assert found == ("public.proof_item_id_seq",)
    run(url, [rename, OLD_INSERT, OLD_SELECT])
    assert judge_sql(rename).statements[0].phase == "pre"
