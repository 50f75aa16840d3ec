"""Proofs for the constraint rules: CHECK / FOREIGN KEY / UNIQUE validate or build under locks that stop
traffic; NOT VALID + VALIDATE and CREATE UNIQUE INDEX CONCURRENTLY + USING INDEX do not.

DDL comes from Django's schema editor (AddConstraint, AddConstraintNotValid, ValidateConstraint, AddField
ForeignKey) or is the exact SQL a rule's fix recommends.
"""

from __future__ import annotations

from collections.abc import Callable

import psycopg
import pytest
from psycopg import errors

from djhelm.safety.sql import judge_sql
from tests.safety.postgres_proofs.locks import attempt, holding, in_progress, lock_modes, run

pytestmark = pytest.mark.postgres
Build = Callable[[str], tuple[str, list[str]]]
WRITE = "INSERT INTO proof_item (label, qty) VALUES ('w', 1)"
READ = "SELECT count(*) FROM proof_item"
OWNER_WRITE = "INSERT INTO proof_owner DEFAULT VALUES"


def test_add_check_constraint_blocks_reads_and_writes_and_scans(scenario_db: Build) -> None:
    url, ddl = scenario_db("add_check")
    assert judge_sql(ddl[0]).phase == "blocked"
    with holding(url, ddl) as session:
        assert "AccessExclusiveLock" in lock_modes(session, "proof_item")
        assert attempt(url, READ) is False
        assert attempt(url, WRITE) is False
    run(url, ["UPDATE proof_item SET qty = -1 WHERE id = 1"])
    with pytest.raises(errors.CheckViolation), holding(url, ddl):
        pass  # the existing row is checked: the statement scanned the table


def test_check_not_valid_skips_the_scan_and_validate_lets_traffic_through(
        scenario_db: Build, django_ddl: dict[str, dict[str, list[str]]]) -> None:
    url, not_valid = scenario_db("add_check_not_valid")
    validate = django_ddl["validate_check"]["sql"]
    assert judge_sql(not_valid[0]).phase == "pre"
    assert judge_sql(validate[0]).phase == "post"
    run(url, ["UPDATE proof_item SET qty = -1 WHERE id = 1"])
    run(url, not_valid)  # succeeds despite the bad row: no scan
    with pytest.raises(errors.CheckViolation):
        run(url, ["INSERT INTO proof_item (label, qty) VALUES ('w', -5)"])  # enforced for new rows at once
    with pytest.raises(errors.CheckViolation):
        run(url, validate)  # VALIDATE does scan
    run(url, ["UPDATE proof_item SET qty = 0 WHERE qty < 0"])
    with holding(url, validate) as session:
        assert lock_modes(session, "proof_item") == {"ShareUpdateExclusiveLock"}
        assert attempt(url, READ) is True
        assert attempt(url, WRITE) is True


def test_validate_in_the_same_transaction_keeps_the_exclusive_lock(
        scenario_db: Build, django_ddl: dict[str, dict[str, list[str]]]) -> None:
    url, not_valid = scenario_db("add_check_not_valid")
    validate = django_ddl["validate_check"]["sql"]
    both = [*not_valid, *validate]
    judged = judge_sql(" ".join(both))
    assert judged.phase == "blocked"
    assert "sql-validate-same-transaction" in {f.code for f in judged.all_findings}
    apart = judge_sql(" ".join(both), atomic=False)  # each statement commits alone: only the phase mix
    assert "sql-validate-same-transaction" not in {f.code for f in apart.all_findings}
    with holding(url, both) as session:
        assert "AccessExclusiveLock" in lock_modes(session, "proof_item")
        assert attempt(url, READ) is False
        assert attempt(url, WRITE) is False


FK = ("ALTER TABLE proof_item ADD CONSTRAINT item_owner_fk FOREIGN KEY (owner_id) "
      "REFERENCES proof_owner (id)")


def _with_owner_column(url: str) -> None:
    run(url, ["ALTER TABLE proof_item ADD COLUMN owner_id bigint NULL",
              "UPDATE proof_item SET owner_id = 1"])


def test_validated_foreign_key_blocks_writes_on_both_tables(scenario_db: Build) -> None:
    url, _ = scenario_db("add_check")
    _with_owner_column(url)
    assert judge_sql(FK).phase == "blocked"
    with holding(url, [FK]) as session:
        assert "ShareRowExclusiveLock" in lock_modes(session, "proof_item")
        assert "ShareRowExclusiveLock" in lock_modes(session, "proof_owner")
        assert attempt(url, WRITE) is False
        assert attempt(url, OWNER_WRITE) is False
        assert attempt(url, READ) is True


def test_foreign_key_not_valid_then_validate_lets_writes_through(scenario_db: Build) -> None:
    url, _ = scenario_db("add_check")
    _with_owner_column(url)
    assert judge_sql(FK + " NOT VALID").phase == "pre"
    run(url, [FK + " NOT VALID"])
    validate = "ALTER TABLE proof_item VALIDATE CONSTRAINT item_owner_fk"
    with holding(url, [validate]) as session:
        assert "ShareUpdateExclusiveLock" in lock_modes(session, "proof_item")
        assert attempt(url, WRITE) is True
        assert attempt(url, OWNER_WRITE) is True
        assert attempt(url, READ) is True


def test_django_foreign_key_field_locks_the_referenced_table(scenario_db: Build) -> None:
    url, ddl = scenario_db("add_fk")
    # AddField(ForeignKey): ADD COLUMN ... REFERENCES and CREATE INDEX in the migration's transaction.
    with holding(url, ddl) as session:
        assert "AccessExclusiveLock" in lock_modes(session, "proof_item")
        assert "ShareRowExclusiveLock" in lock_modes(session, "proof_owner")
        assert attempt(url, OWNER_WRITE) is False
        assert attempt(url, READ) is False


def test_django_alter_field_of_a_foreign_key_adds_it_again_and_blocks_writes(scenario_db: Build) -> None:
    url, ddl = scenario_db("alter_fk_drop_index")
    # AlterField(ForeignKey(db_index=False)): Django drops the FK, the index, then re-adds a validated FK
    assert any("DROP CONSTRAINT" in s for s in ddl)
    assert "FOREIGN KEY" in ddl[-1] and "NOT VALID" not in ddl[-1]
    with holding(url, ddl) as session:
        assert "ShareRowExclusiveLock" in lock_modes(session, "proof_owner")
        assert attempt(url, OWNER_WRITE) is False
        assert attempt(url, WRITE) is False
    # the fix changes only the column (here: DROP NOT NULL), leaving the constraint alone
    with holding(url, ["ALTER TABLE proof_item ALTER COLUMN owner_id DROP NOT NULL"]) as session:
        assert lock_modes(session, "proof_owner") == set()
        assert attempt(url, OWNER_WRITE) is True


@pytest.mark.parametrize("scenario", ["alter_fk_default", "alter_fk_subclass"])
def test_django_re_adds_a_foreign_key_when_only_its_default_or_class_changes(
        scenario_db: Build, scenario: str) -> None:
    url, ddl = scenario_db(scenario)
    # no column changes at all, yet the constraint is dropped and added again, validated
    assert [s for s in ddl if "ALTER COLUMN" in s] == []
    assert any("DROP CONSTRAINT" in s for s in ddl)
    assert "FOREIGN KEY" in ddl[-1] and "NOT VALID" not in ddl[-1]
    with holding(url, ddl) as session:
        assert "ShareRowExclusiveLock" in lock_modes(session, "proof_owner")
        assert attempt(url, OWNER_WRITE) is False
        assert attempt(url, WRITE) is False


def test_rename_model_then_pin_re_adds_the_foreign_keys_pointing_at_it(
    scenario_db: Build, django_ddl: dict[str, dict[str, list[str]]]
) -> None:
    url, ddl = scenario_db("rename_then_pin")
    # RenameModel + AlterModelTable back: the table ends where it started, the FK of proof_item is re-added
    assert any("FOREIGN KEY" in s and "NOT VALID" not in s for s in ddl)
    with holding(url, ddl) as session:
        assert "ShareRowExclusiveLock" in lock_modes(session, "proof_item")
        assert attempt(url, WRITE) is False
    # rename-model-foreign-keys' fix: pin first, then rename: Django emits nothing at all
    assert django_ddl["pin_then_rename"]["sql"] == []


# AddConstraint(UniqueConstraint), AddField(unique=True) and AlterField(unique=True): Django's UNIQUE builds
# its index under ACCESS EXCLUSIVE (ADD CONSTRAINT ... UNIQUE, or ADD COLUMN ... UNIQUE)
@pytest.mark.parametrize("scenario", ["add_unique", "add_field_unique", "alter_field_unique"])
def test_add_unique_constraint_blocks_reads_and_writes(scenario_db: Build, scenario: str) -> None:
    url, ddl = scenario_db(scenario)
    [unique] = [s for s in ddl if "UNIQUE" in s and s.startswith("ALTER TABLE")]
    assert judge_sql(unique).phase == "blocked"
    with holding(url, ddl) as session:
        assert "AccessExclusiveLock" in lock_modes(session, "proof_item")
        assert attempt(url, READ) is False
        assert attempt(url, WRITE) is False


def test_unique_via_concurrent_index_then_using_index(scenario_db: Build) -> None:
    url, _ = scenario_db("add_unique")
    build = "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS item_code_uniq ON proof_item (code)"
    attach = "ALTER TABLE proof_item ADD CONSTRAINT item_code_uniq UNIQUE USING INDEX item_code_uniq"
    assert judge_sql(build, atomic=False).phase == "pre"
    assert judge_sql(attach).phase == "pre"
    with in_progress(url, build, old_request=WRITE):
        assert attempt(url, WRITE) is True
        assert attempt(url, READ) is True
    with psycopg.connect(url, autocommit=True) as conn:
        file_sql = "SELECT relfilenode FROM pg_class WHERE relname = 'item_code_uniq'"
        index_oid = conn.execute("SELECT 'item_code_uniq'::regclass::oid").fetchone()
        index_file = conn.execute(file_sql).fetchone()
        conn.execute(attach)
        # The constraint adopted the existing index: same index, same file, nothing rebuilt.
        adopted = conn.execute("SELECT conindid FROM pg_constraint WHERE conname = 'item_code_uniq'")
        assert adopted.fetchone() == index_oid
        assert conn.execute(file_sql).fetchone() == index_file
        with pytest.raises(errors.UniqueViolation):
            conn.execute("INSERT INTO proof_item (label, code) VALUES ('x', 'c1')")


def _seq_scans_by(url: str, statements: list[str], table: str = "proof_item") -> int:
    """Sequential scans of ``table`` made by ``statements``, counted inside their own transaction
    (pg_stat_xact_*): the cumulative view is flushed asynchronously when a session ends, so reading it
    from the next session races with that flush."""
    with psycopg.connect(url) as conn:
        for sql in statements:
            conn.execute(sql)  # type: ignore[arg-type]
        query = "SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relname = %s"
        row = conn.execute(query, (table,)).fetchone()
        conn.commit()
    assert row is not None
    return int(row[0])


def test_django_foreign_key_field_does_not_scan_but_a_later_constraint_does(scenario_db: Build) -> None:
    url, ddl = scenario_db("add_fk")
    assert "REFERENCES" in ddl[0] and ddl[1].startswith("CREATE INDEX")
    # ADD COLUMN ... REFERENCES: the new column is all NULL, nothing to check
    assert _seq_scans_by(url, ddl[:1]) == 0
    # the FK's index build does read the table (that is add-field-index's lock claim)
    assert _seq_scans_by(url, ddl[1:]) > 0
    run(url, ["ALTER TABLE proof_item ADD COLUMN other_id bigint NULL", "UPDATE proof_item SET other_id = 1"])
    other_fk = FK.replace("owner_id", "other_id").replace("item_owner_fk", "item_other_fk")
    assert _seq_scans_by(url, [other_fk]) > 0  # a constraint on an existing column reads every row


def test_a_conditional_unique_constraint_is_an_index_that_blocks_writes_only(scenario_db: Build) -> None:
    url, ddl = scenario_db("add_partial_unique")
    assert ddl[0].startswith("CREATE UNIQUE INDEX")
    with holding(url, ddl) as session:
        assert "ShareLock" in lock_modes(session, "proof_item")
        assert attempt(url, WRITE) is False
        assert attempt(url, READ) is True


def test_a_new_column_with_a_check_is_verified_on_every_row_under_access_exclusive(
        scenario_db: Build) -> None:
    """A Positive*Field: Django adds the column with an inline CHECK. PostgreSQL verifies a new column's
    CHECK against every existing row, even though the column is all NULL: shown with the same statement
    shape and a CHECK that NULL fails, which errors only because the rows are read."""
    url, ddl = scenario_db("add_field_positive")
    assert "CHECK" in ddl[0] and ddl[0].startswith("ALTER TABLE") and "ADD COLUMN" in ddl[0]
    assert judge_sql(ddl[0]).phase == "blocked"
    with holding(url, ddl) as session:
        assert "AccessExclusiveLock" in lock_modes(session, "proof_item")
        assert attempt(url, READ) is False
    with pytest.raises(errors.CheckViolation):
        run(url, ["ALTER TABLE proof_item ADD COLUMN probe integer NULL CHECK (probe IS NOT NULL)"])
    # add-field-check's fix: the column without its CHECK, then the CHECK NOT VALID: no row is read
    run(url, ["ALTER TABLE proof_item ADD COLUMN probe integer NULL",
              "ALTER TABLE proof_item ADD CONSTRAINT probe_check CHECK (probe IS NOT NULL) NOT VALID"])
