"""Proofs for the index rules: CREATE INDEX blocks writes, CONCURRENTLY does not; DROP INDEX blocks reads.

The DDL is what Django's schema editor emits for AddIndex / AddIndexConcurrently / RemoveIndex(Concurrently).
"""

from __future__ import annotations

from collections.abc import Callable

import psycopg
import pytest
from psycopg import errors

from djhelm.safety.rules._shared import django_index_name
from djhelm.safety.sql import judge_run_sql, judge_sql
from tests.safety.postgres_proofs.locks import attempt, holding, in_progress, lock_modes

pytestmark = pytest.mark.postgres
Build = Callable[[str], tuple[str, list[str]]]
WRITE = "INSERT INTO proof_item (label) VALUES ('w')"
READ = "SELECT count(*) FROM proof_item"


def test_add_index_blocks_writes_but_not_reads(scenario_db: Build) -> None:
    url, ddl = scenario_db("add_index")
    assert {f.code for f in judge_sql(" ".join(ddl)).all_findings} == {"sql-index-blocks-writes"}
    with holding(url, ddl) as session:
        assert "ShareLock" in lock_modes(session, "proof_item")
        assert attempt(url, WRITE) is False
        assert attempt(url, READ) is True


def test_create_index_in_progress_queues_writes(scenario_db: Build) -> None:
    url, ddl = scenario_db("add_index")
    # An old request's open transaction makes the build wait; new writes then queue behind the build.
    with in_progress(url, ddl[0], old_request=WRITE):
        assert attempt(url, WRITE) is False
        assert attempt(url, READ) is True


def test_create_index_concurrently_in_progress_lets_writes_through(scenario_db: Build) -> None:
    url, ddl = scenario_db("add_index_concurrently")
    assert judge_sql(" ".join(ddl), atomic=False).phase == "pre"
    with in_progress(url, ddl[0], old_request=WRITE):
        assert attempt(url, WRITE) is True
        assert attempt(url, "UPDATE proof_item SET qty = qty + 1 WHERE id = 2") is True
        assert attempt(url, READ) is True


def test_create_index_concurrently_cannot_run_in_a_transaction(scenario_db: Build) -> None:
    url, ddl = scenario_db("add_index_concurrently")
    codes = {f.code for f in judge_sql(ddl[0], atomic=True).all_findings}
    assert codes == {"sql-concurrently-in-transaction"}
    with pytest.raises(errors.ActiveSqlTransaction), holding(url, ddl):
        pass


def test_two_concurrent_builds_in_one_execute_share_a_transaction(scenario_db: Build) -> None:
    url, _ = scenario_db("add_index")
    two = ("CREATE INDEX CONCURRENTLY IF NOT EXISTS a ON proof_item (qty); "
           "CREATE INDEX CONCURRENTLY IF NOT EXISTS b ON proof_item (name)")
    assert judge_run_sql([two], atomic=False).phase == "blocked"
    with psycopg.connect(url, autocommit=True) as conn:  # what a non-atomic migration's RunSQL list item does
        with pytest.raises(errors.ActiveSqlTransaction):
            conn.execute(two)  # type: ignore[arg-type]
        for statement in two.split("; "):
            conn.execute(statement)  # type: ignore[arg-type]


def test_failed_concurrent_build_leaves_an_invalid_index_blocking_a_plain_retry(scenario_db: Build) -> None:
    url, _ = scenario_db("add_index")
    build = "CREATE UNIQUE INDEX CONCURRENTLY item_label_uniq ON proof_item (label)"
    assert "sql-concurrent-index-not-idempotent" in {
        f.code for f in judge_sql(build, atomic=False).all_findings}
    with psycopg.connect(url, autocommit=True) as conn:
        with pytest.raises(errors.UniqueViolation):
            conn.execute(build)  # every row has label 'l'
        valid = conn.execute(
            "SELECT indisvalid FROM pg_index WHERE indexrelid = 'item_label_uniq'::regclass").fetchone()
        assert valid == (False,)
        with pytest.raises(errors.DuplicateTable):
            conn.execute(build)
        conn.execute("DROP INDEX CONCURRENTLY IF EXISTS item_label_uniq")
        conn.execute("DELETE FROM proof_item WHERE id > 1")
        conn.execute(build.replace("CONCURRENTLY", "CONCURRENTLY IF NOT EXISTS"))


def test_remove_index_blocks_reads_and_writes(scenario_db: Build) -> None:
    url, ddl = scenario_db("remove_index")
    assert {f.code for f in judge_sql(" ".join(ddl)).all_findings} == {"sql-drop-index-locks"}
    with holding(url, ddl) as session:
        assert "AccessExclusiveLock" in lock_modes(session, "proof_item")
        assert attempt(url, READ) is False
        assert attempt(url, WRITE) is False


def test_remove_index_concurrently_in_progress_lets_reads_and_writes_through(scenario_db: Build) -> None:
    url, ddl = scenario_db("remove_index_concurrently")
    assert judge_sql(" ".join(ddl), atomic=False).phase == "post"
    with in_progress(url, ddl[0], old_request=READ):
        assert attempt(url, READ) is True
        assert attempt(url, WRITE) is True


def test_varchar_to_text_rebuilds_the_like_index_under_the_alters_exclusive_lock(scenario_db: Build) -> None:
    url, ddl = scenario_db("indexed_varchar_to_text")
    # Django: DROP INDEX <..._like>, ALTER COLUMN TYPE text (no rewrite), CREATE INDEX <..._like>
    drop, alter, create = ddl
    # the fix drops exactly this index: the checker names it as Django does
    assert drop.startswith("DROP INDEX") and f'"{django_index_name("proof_item", "code", "_like")}"' in drop
    assert "TYPE text" in alter
    assert create.startswith("CREATE INDEX") and "CONCURRENTLY" not in create and "text_pattern_ops" in create
    with holding(url, [drop, alter]) as session:
        # the build that follows runs while this lock is held: nothing reads or writes the table meanwhile
        assert "AccessExclusiveLock" in lock_modes(session, "proof_item")
        assert attempt(url, READ) is False
        assert attempt(url, WRITE) is False
    with holding(url, ddl) as session:
        assert "AccessExclusiveLock" in lock_modes(session, "proof_item")
        assert attempt(url, READ) is False



def test_varchar_to_text_alone_keeps_every_index(scenario_db: Build) -> None:
    """alter-field-like-index's fix: ALTER COLUMN ... TYPE text only, no rebuild (same relfilenode), and
    the kept varchar_pattern_ops index still serves LIKE on the text column."""
    url, _ = scenario_db("indexed_varchar_to_text")
    like = django_index_name("proof_item", "code", "_like")
    files = "SELECT relname, relfilenode FROM pg_class WHERE relname LIKE 'proof_item%' ORDER BY relname"
    with psycopg.connect(url, autocommit=True) as conn:
        before = conn.execute(files).fetchall()  # type: ignore[arg-type]
        conn.execute('ALTER TABLE "proof_item" ALTER COLUMN "code" TYPE text')
        assert conn.execute(files).fetchall() == before  # type: ignore[arg-type]
        conn.execute("SET enable_seqscan = off")
        explained = conn.execute("EXPLAIN SELECT id FROM proof_item WHERE code LIKE 'c1%'")
        plan = " ".join(row[0] for row in explained)
    assert like in plan
