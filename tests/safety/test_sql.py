"""RunSQL judgement (djhelm.safety.sql): one statement kind per case, safe and unsafe side by side."""

from __future__ import annotations

from typing import Any

import pytest

from djhelm.safety.sql import judge_run_sql, judge_sql, normalise_sqls

CASES = [
    # (sql, atomic, expected phase, expected finding codes)
    ("CREATE INDEX i ON shop_order (created)", True, "pre", {"sql-index-blocks-writes"}),
    ("CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON shop_order (created)", False, "pre", set()),
    ("CREATE INDEX CONCURRENTLY i ON shop_order (created)", False, "pre",
     {"sql-concurrent-index-not-idempotent"}),
    ("CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON shop_order (created)", True, "blocked",
     {"sql-concurrently-in-transaction"}),
    ("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS u ON t (a)", False, "pre", set()),
    ("DROP INDEX i", True, "post", {"sql-drop-index-locks"}),
    ("DROP INDEX CONCURRENTLY IF EXISTS i", False, "post", set()),
    ("DROP INDEX CONCURRENTLY IF EXISTS i", True, "blocked", {"sql-concurrently-in-transaction"}),
    ("ALTER TABLE t ADD COLUMN note text", True, "pre", set()),
    ("ALTER TABLE t ADD COLUMN n integer DEFAULT 0 NOT NULL", True, "pre", set()),
    ("ALTER TABLE t ADD COLUMN at timestamptz DEFAULT now() NOT NULL", True, "pre", set()),
    ("ALTER TABLE t ADD COLUMN at timestamptz DEFAULT CURRENT_TIMESTAMP", True, "pre", set()),
    ("ALTER TABLE t ADD COLUMN n integer NOT NULL", True, "blocked", {"sql-add-column-not-null"}),
    ("ALTER TABLE t ADD COLUMN n int DEFAULT NULL NOT NULL", True, "blocked", {"sql-add-column-not-null"}),
    ("ALTER TABLE t ADD COLUMN n int[] DEFAULT ARRAY[1, 2] NOT NULL", True, "pre", set()),
    ("ALTER TABLE t ADD COLUMN s text DEFAULT current_setting('app.x')", True, "pre", set()),
    ("ALTER TABLE t ADD COLUMN g int GENERATED ALWAYS AS (n * 2) STORED", True, "blocked",
     {"sql-add-column-rewrite"}),
    ("ALTER TABLE t ALTER COLUMN n ADD GENERATED ALWAYS AS IDENTITY", True, "pre", set()),
    ("ALTER TABLE t ADD COLUMN u uuid DEFAULT gen_random_uuid() NOT NULL", True, "blocked",
     {"sql-add-column-rewrite"}),
    ("ALTER TABLE t ADD COLUMN r float DEFAULT random()", True, "blocked", {"sql-add-column-rewrite"}),
    ("ALTER TABLE t ADD COLUMN id2 bigserial", True, "blocked", {"sql-add-column-rewrite"}),
    ("ALTER TABLE t ADD COLUMN n int GENERATED ALWAYS AS IDENTITY", True, "blocked",
     {"sql-add-column-rewrite"}),
    ("ALTER TABLE t ADD COLUMN code text UNIQUE", True, "blocked", {"sql-add-column-unique"}),
    ("ALTER TABLE t ADD COLUMN o int REFERENCES other (id)", True, "pre", {"sql-add-column-fk"}),
    ("ALTER TABLE t DROP COLUMN note", True, "post", set()),
    ("DROP TABLE t", True, "post", set()),
    ("ALTER TABLE t RENAME COLUMN a TO b", True, "blocked", {"sql-rename"}),
    ("ALTER TABLE t RENAME TO u", True, "blocked", {"sql-rename"}),
    ("ALTER INDEX i RENAME TO j", True, "pre", set()),
    # ALTER TABLE renames any relation: a sequence or an index by its PostgreSQL/Django name is no table
    ("ALTER TABLE shop_item_id_seq RENAME TO shop_product_id_seq", True, "pre", set()),
    ("ALTER TABLE IF EXISTS shop_item_pkey RENAME TO shop_product_pkey", True, "pre", set()),
    ("ALTER TABLE shop_item_name_4bd2f1_like RENAME TO x_like", True, "pre", set()),
    ("ALTER TABLE api_key RENAME TO api_token", True, "blocked", {"sql-rename"}),
    ("ALTER TABLE t ALTER COLUMN n TYPE bigint", True, "blocked", {"sql-alter-column-type"}),
    ("ALTER TABLE t ALTER COLUMN n SET NOT NULL", True, "blocked", {"sql-set-not-null"}),
    ("ALTER TABLE t ALTER COLUMN n DROP NOT NULL", True, "pre", set()),
    ("ALTER TABLE t ALTER COLUMN n SET DEFAULT 0", True, "pre", set()),
    ("ALTER TABLE t ALTER COLUMN n DROP DEFAULT", True, "post", {"sql-drop-default"}),
    ("ALTER TABLE t ADD CONSTRAINT c CHECK (n > 0)", True, "blocked", {"sql-constraint-validates"}),
    ("ALTER TABLE t ADD CONSTRAINT c CHECK (n > 0) NOT VALID", True, "pre", set()),
    ("ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (o) REFERENCES other (id)", True, "blocked",
     {"sql-constraint-validates"}),
    ("ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (o) REFERENCES other (id) NOT VALID", True, "pre", set()),
    ("ALTER TABLE t VALIDATE CONSTRAINT c", True, "post", {"sql-validate-constraint"}),
    ("ALTER TABLE t ADD COLUMN c integer NULL CHECK (c >= 0)", True, "blocked", {"sql-add-column-check"}),
    ("ALTER TABLE t ADD COLUMN c integer NULL", True, "pre", set()),
    ("ALTER TABLE t DROP CONSTRAINT c", True, "pre", set()),
    ("ALTER TABLE t ADD CONSTRAINT u UNIQUE (a)", True, "blocked", {"sql-unique-builds-index"}),
    ("ALTER TABLE t ADD PRIMARY KEY (a)", True, "blocked", {"sql-unique-builds-index"}),
    ("ALTER TABLE t ADD CONSTRAINT u UNIQUE USING INDEX u_idx", True, "pre", set()),
    ("ALTER TABLE t ADD CONSTRAINT x EXCLUDE USING gist (r WITH &&)", True, "blocked",
     {"sql-unique-builds-index"}),
    ("UPDATE t SET n = 0", True, "pre", {"sql-unbatched-write"}),
    ("UPDATE t SET n = 0 WHERE id BETWEEN 1 AND 1000", True, "pre", set()),
    ("DELETE FROM t", True, "pre", {"sql-unbatched-write"}),
    ("DELETE FROM t WHERE n IS NULL", True, "pre", set()),
    ("LOCK TABLE t IN ACCESS EXCLUSIVE MODE", True, "pre", {"sql-lock-table"}),
    ("VACUUM FULL t", False, "blocked", {"sql-table-rewrite"}),
    ("CLUSTER t USING i", True, "blocked", {"sql-table-rewrite"}),
    ("VACUUM t", True, "blocked", {"sql-concurrently-in-transaction"}),
    ("ANALYZE t", True, "pre", set()),
    ("REINDEX INDEX i", True, "blocked", {"sql-reindex-locks"}),
    ("REINDEX INDEX CONCURRENTLY i", False, "pre", set()),
    ("TRUNCATE t", True, "post", {"sql-truncate"}),
    ("ALTER TABLE t SET UNLOGGED", True, "blocked", {"sql-table-rewrite"}),
    ("ALTER TABLE t ALTER COLUMN n SET STATISTICS 500", True, "pre", set()),
    ("REFRESH MATERIALIZED VIEW v", True, "pre", {"sql-refresh-blocks-reads"}),
    ("DO $$ BEGIN PERFORM 1; END $$", True, None, {"sql-opaque-block"}),
    ("CREATE EXTENSION IF NOT EXISTS pg_trgm", True, "pre", set()),
    ("CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'", True, "pre", set()),
    ("SELECT 1", True, "pre", set()),
    ("ALTER TABLE t ADD COLUMN oops", True, None, {"sql-unparseable"}),
    ("CREATE PUBLICATION p FOR ALL TABLES", True, None, {"sql-unknown-statement"}),
    ("COPY t FROM stdin", True, None, {"sql-unknown-statement"}),
    ("ALTER TABLE t ATTACH PARTITION p FOR VALUES IN (1)", True, None, {"sql-unknown-statement"}),
    ("/* unterminated", True, None, {"sql-unparseable"}),
    ("-- only a comment", True, "pre", set()),
    ("DROP TABLE IF EXISTS a, b CASCADE", True, "post", set()),
    ("CREATE TABLE x AS SELECT 1", True, "pre", set()),
    ("ALTER TABLE t ALTER COLUMN a SET DATA TYPE int USING a::int, ALTER COLUMN b DROP NOT NULL", True,
     "blocked", {"sql-alter-column-type"}),
]


@pytest.mark.parametrize(("sql", "atomic", "phase", "codes"), CASES, ids=[c[0][:60] for c in CASES])
def test_statement(sql: str, atomic: bool, phase: str | None, codes: set[str]) -> None:
    judged = judge_sql(sql, atomic=atomic)
    assert judged.phase == phase, judged
    assert {f.code for f in judged.all_findings} == codes


def test_each_statement_of_a_script_is_judged_in_order() -> None:
    judged = judge_sql("CREATE INDEX i ON t (a);\nALTER TABLE t RENAME COLUMN a TO b;")
    assert [s.text for s in judged.statements] == [
        "CREATE INDEX i ON t (a)", "ALTER TABLE t RENAME COLUMN a TO b"]
    assert [s.index for s in judged.statements] == [0, 1]
    assert [s.phase for s in judged.statements] == ["pre", "blocked"]
    assert judged.phase == "blocked"


def test_one_bad_statement_does_not_hide_the_others() -> None:
    judged = judge_sql("CREATE INDEX i ON t (a); this is not sql; ALTER TABLE t DROP COLUMN x")
    assert [s.phase for s in judged.statements] == ["pre", None, "post"]
    codes = {f.code for f in judged.all_findings}
    assert {"sql-index-blocks-writes", "sql-unparseable", "sql-mixed-phases"} <= codes


def test_unterminated_quote_is_unparseable_not_a_crash() -> None:
    judged = judge_sql("UPDATE t SET a = 'oops")
    assert judged.phase is None
    assert [f.code for f in judged.all_findings] == ["sql-unparseable"]


def test_pre_and_post_in_one_script_is_blocked() -> None:
    judged = judge_sql("ALTER TABLE t ADD COLUMN b text; ALTER TABLE t DROP COLUMN a")
    assert judged.phase == "blocked"
    assert [f.code for f in judged.findings] == ["sql-mixed-phases"]


def test_neutral_statements_never_mix() -> None:
    judged = judge_sql("SET LOCAL lock_timeout = '2s'; SELECT 1; ALTER TABLE t DROP COLUMN a; ANALYZE t")
    assert judged.phase == "post"
    assert judged.findings == ()


def test_tables_created_in_the_same_sql_are_exempt() -> None:
    judged = judge_sql(
        "CREATE TABLE fresh (id int); CREATE INDEX ON fresh (id); "
        "ALTER TABLE fresh ADD CONSTRAINT c CHECK (id > 0); UPDATE fresh SET id = 1")
    assert judged.phase == "pre"
    assert judged.all_findings == ()


def test_tables_created_earlier_in_the_migration_are_exempt() -> None:
    judged = judge_sql("CREATE INDEX ON \"Shop_Item\" (id)", new_tables={"shop_item"})
    assert judged.all_findings == ()
    assert judge_sql("CREATE INDEX ON shop_item (id)").all_findings != ()


@pytest.mark.parametrize(("sqls", "expected"), [
    ("", []),
    (None, []),
    ("SELECT 1; SELECT 2", [("SELECT 1; SELECT 2", None)]),
    (["SELECT 1", ("SELECT %s", [1])], [("SELECT 1", None), ("SELECT %s", [1])]),
])
def test_normalise_accepts_runsql_shapes(sqls: Any, expected: list[tuple[str, Any]]) -> None:
    assert normalise_sqls(sqls) == expected


def test_normalise_rejects_bad_pairs() -> None:
    with pytest.raises(ValueError, match="pairs"):
        normalise_sqls([("SELECT 1", [], "extra")])


def test_normalise_rejects_what_is_not_sql_and_reads_bytes_as_text() -> None:
    # RunSQL(5) fails in Django too; the checker must say so instead of crashing with a TypeError
    with pytest.raises(ValueError, match="int"):
        normalise_sqls(5)
    assert normalise_sqls(b"SELECT 1") == [("SELECT 1", None)]


def test_params_placeholders_parse() -> None:
    judged = judge_run_sql([("UPDATE t SET a = %s WHERE b = %(b)s AND c LIKE 'x%%'", {"b": 1})])
    assert judged.phase == "pre"
    assert judged.all_findings == ()


def test_percent_without_params_is_left_alone() -> None:
    # Django passes params=None for plain strings, so psycopg does not interpolate: '%%' stays literal.
    judged = judge_run_sql(["UPDATE t SET a = '100%%' WHERE id = 1"])
    assert judged.phase == "pre"


def test_list_items_are_judged_separately_with_running_indexes() -> None:
    judged = judge_run_sql(["CREATE TABLE n (id int)", "CREATE INDEX ON n (id)", ("DELETE FROM t", None)])
    assert [s.index for s in judged.statements] == [0, 1, 2]
    assert [f.code for f in judged.all_findings] == ["sql-unbatched-write"]


def test_long_statements_are_excerpted() -> None:
    sql = "UPDATE t SET a = 1 WHERE " + " OR ".join(f"id = {i}" for i in range(100))
    (statement,) = judge_sql(sql).statements
    assert len(statement.text) <= 120
    assert statement.text.endswith("…")


def test_importing_the_checker_does_not_import_pglast() -> None:
    import subprocess
    import sys

    code = "import sys, djhelm.safety, djhelm.safety.sql; print('pglast' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.strip() == "False"


def test_every_code_sql_can_emit_has_a_run_sql_rule_id() -> None:
    import re
    from pathlib import Path

    import djhelm.safety.sql as sql_module
    from djhelm.safety.rules.run_sql import _CODES

    source = Path(str(sql_module.__file__)).read_text()
    emitted = set(re.findall(r'"(sql-[a-z-]+)"', source))
    assert emitted == set(_CODES)


def test_several_statements_in_one_list_item_share_a_transaction() -> None:
    two = ("CREATE INDEX CONCURRENTLY IF NOT EXISTS a ON t (x); "
           "CREATE INDEX CONCURRENTLY IF NOT EXISTS b ON t (y)")
    assert judge_run_sql(two, atomic=False).phase == "pre"  # a string: Django runs each statement alone
    judged = judge_run_sql([two], atomic=False)
    assert judged.phase == "blocked"
    assert {f.code for f in judged.all_findings} == {"sql-concurrently-in-transaction"}
    assert "own list item" in judged.all_findings[0].fix
    single = judge_run_sql(["CREATE INDEX CONCURRENTLY IF NOT EXISTS a ON t (x)", "VACUUM t"], atomic=False)
    assert single.phase == "pre"


NOT_VALID = "ALTER TABLE t ADD CONSTRAINT c CHECK (n > 0) NOT VALID; "
ADD_THEN_VALIDATE = NOT_VALID + "ALTER TABLE t VALIDATE CONSTRAINT c"


@pytest.mark.parametrize(("sqls", "atomic", "same_transaction"), [
    # one atomic migration: the NOT VALID ADD's lock is still held when VALIDATE scans
    (ADD_THEN_VALIDATE, True, True),
    # a RunSQL list item holding both is one implicit transaction even in a non-atomic migration
    ([ADD_THEN_VALIDATE], False, True),
    # non-atomic, separate statements: each commits before the next
    (ADD_THEN_VALIDATE, False, False),
    # another constraint's VALIDATE is not affected
    (NOT_VALID + "ALTER TABLE t VALIDATE CONSTRAINT d", True, False),
])
def test_validate_after_not_valid_in_one_transaction(sqls: Any, atomic: bool, same_transaction: bool) -> None:
    codes = {f.code for f in judge_run_sql(sqls, atomic=atomic).all_findings}
    assert ("sql-validate-same-transaction" in codes) == same_transaction
