"""Proofs for claims only RunSQL can trigger (djhelm.safety.sql): table rewrites by VACUUM FULL, CLUSTER
and SET UNLOGGED, REINDEX and REFRESH MATERIALIZED VIEW locks, and row locks of an unbatched UPDATE."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from djhelm.safety.sql import judge_sql
from tests.safety.postgres_proofs.locks import attempt, holding, lock_modes, relfilenode, run

pytestmark = pytest.mark.postgres
Build = Callable[[str], tuple[str, list[str]]]
READ = "SELECT count(*) FROM proof_item"
WRITE = "INSERT INTO proof_item (label) VALUES ('w')"


@pytest.mark.parametrize(("sql", "atomic"), [
    ("VACUUM FULL proof_item", False),
    ("CLUSTER proof_item USING proof_item_pkey", True),
    ("ALTER TABLE proof_item SET UNLOGGED", True),
])
def test_statements_that_rewrite_the_table(scenario_db: Build, sql: str, atomic: bool) -> None:
    url, _ = scenario_db("add_index")
    assert judge_sql(sql, atomic=atomic).phase == "blocked"
    before = relfilenode(url, "proof_item")
    run(url, [sql])
    assert relfilenode(url, "proof_item") != before


def test_plain_vacuum_does_not_rewrite(scenario_db: Build) -> None:
    url, _ = scenario_db("add_index")
    assert judge_sql("VACUUM proof_item", atomic=False).phase == "pre"
    before = relfilenode(url, "proof_item")
    run(url, ["VACUUM proof_item"])
    assert relfilenode(url, "proof_item") == before


def test_reindex_blocks_writes(scenario_db: Build) -> None:
    url, _ = scenario_db("remove_index")  # the table has item_qty_idx
    sql = "REINDEX INDEX item_qty_idx"
    assert judge_sql(sql).phase == "blocked"
    with holding(url, [sql]) as session:
        assert "ShareLock" in lock_modes(session, "proof_item")
        assert attempt(url, WRITE) is False


def test_refresh_materialized_view_blocks_reads_of_the_view(scenario_db: Build) -> None:
    url, _ = scenario_db("add_index")
    run(url, ["CREATE MATERIALIZED VIEW item_totals AS "
              "SELECT label, count(*) AS n FROM proof_item GROUP BY label",
              "CREATE UNIQUE INDEX item_totals_label ON item_totals (label)"])
    plain = "REFRESH MATERIALIZED VIEW item_totals"
    concurrent = "REFRESH MATERIALIZED VIEW CONCURRENTLY item_totals"
    assert {f.code for f in judge_sql(plain).all_findings} == {"sql-refresh-blocks-reads"}
    assert judge_sql(concurrent).all_findings == ()
    with holding(url, [plain]):
        assert attempt(url, "SELECT * FROM item_totals") is False
    with holding(url, [concurrent]):
        assert attempt(url, "SELECT * FROM item_totals") is True


def test_unbatched_update_holds_every_row_until_commit(scenario_db: Build) -> None:
    url, _ = scenario_db("add_index")
    unbatched = "UPDATE proof_item SET qty = 0"
    batch = "UPDATE proof_item SET qty = 0 WHERE id BETWEEN 1 AND 10"
    assert {f.code for f in judge_sql(unbatched).all_findings} == {"sql-unbatched-write"}
    old_write = "UPDATE proof_item SET name = 'old' WHERE id = 40"
    with holding(url, [unbatched]):
        assert attempt(url, old_write) is False
    with holding(url, [batch]):
        assert attempt(url, old_write) is True


def test_lock_table_holds_until_the_end_of_the_transaction(scenario_db: Build) -> None:
    url, _ = scenario_db("add_index")
    sql = "LOCK TABLE proof_item IN SHARE MODE"
    assert {f.code for f in judge_sql(sql).all_findings} == {"sql-lock-table"}
    with holding(url, [sql, "SELECT 1"]):
        assert attempt(url, WRITE) is False
