"""RunSQL: judged statement by statement with PostgreSQL's own parser (djhelm.safety.sql).

Only the forward ``sql`` runs during a deploy; ``reverse_sql`` is ignored. Every SQL finding becomes a
``run-sql-*`` finding so that it can be acknowledged on its own. What the parser cannot judge (invalid
SQL, DO blocks, statements djhelm does not know) blocks the migration until the author declares its
phase (``djhelm_phase`` or django-safemigrate's ``safe``): the declared phase wins for those.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db import migrations

from djhelm.safety.context import OperationContext, table_name
from djhelm.safety.model import Finding, Phase
from djhelm.safety.registry import rule

# sql.py finding code -> (rule id, one-line description).
_CODES = {
    "sql-index-blocks-writes": (
        "run-sql-index-blocks-writes", "CREATE INDEX without CONCURRENTLY blocks writes."),
    "sql-concurrently-in-transaction": (
        "run-sql-concurrently-in-transaction", "A CONCURRENTLY / VACUUM statement in an atomic migration."),
    "sql-concurrent-index-not-idempotent": (
        "run-sql-concurrent-index-retry", "CREATE INDEX CONCURRENTLY without IF NOT EXISTS: not retry-safe."),
    "sql-drop-index-locks": (
        "run-sql-drop-index-locks", "DROP INDEX without CONCURRENTLY blocks reads and writes."),
    "sql-rename": ("run-sql-rename", "Renaming a table or column breaks old or new code."),
    "sql-alter-column-type": ("run-sql-alter-column-type", "ALTER COLUMN TYPE usually rewrites the table."),
    "sql-set-not-null": ("run-sql-set-not-null", "SET NOT NULL scans under ACCESS EXCLUSIVE."),
    "sql-drop-default": ("run-sql-drop-default", "DROP DEFAULT: old code omitting the column relies on it."),
    "sql-validate-constraint": ("run-sql-validate-constraint", "VALIDATE CONSTRAINT runs post by default."),
    "sql-validate-same-transaction": (
        "run-sql-validate-same-transaction", "VALIDATE in the transaction that added it NOT VALID."),
    "sql-table-rewrite": ("run-sql-table-rewrite", "VACUUM FULL / CLUSTER / SET LOGGED rewrite the table."),
    "sql-add-column-rewrite": (
        "run-sql-add-column-rewrite", "ADD COLUMN with a per-row value rewrites the table."),
    "sql-add-column-not-null": (
        "run-sql-add-column-not-null", "ADD COLUMN NOT NULL without a default breaks old INSERTs."),
    "sql-add-column-unique": ("run-sql-add-column-unique", "ADD COLUMN UNIQUE builds an index under lock."),
    "sql-add-column-check": ("run-sql-add-column-check", "ADD COLUMN with CHECK scans every row under lock."),
    "sql-add-column-fk": (
        "run-sql-add-column-fk", "ADD COLUMN REFERENCES locks both tables while it checks."),
    "sql-constraint-validates": (
        "run-sql-constraint-validates", "ADD CHECK / FOREIGN KEY without NOT VALID scans under lock."),
    "sql-unique-builds-index": (
        "run-sql-unique-builds-index", "ADD UNIQUE / PRIMARY KEY / EXCLUDE builds an index under lock."),
    "sql-unbatched-write": ("run-sql-unbatched-write", "UPDATE / DELETE without WHERE: batch it."),
    "sql-lock-table": ("run-sql-lock-table", "LOCK TABLE in a migration."),
    "sql-reindex-locks": ("run-sql-reindex-locks", "REINDEX without CONCURRENTLY blocks writes."),
    "sql-truncate": ("run-sql-truncate", "TRUNCATE deletes rows old code may read."),
    "sql-refresh-blocks-reads": (
        "run-sql-refresh-blocks-reads", "REFRESH MATERIALIZED VIEW without CONCURRENTLY blocks reads."),
    "sql-transaction-control": ("run-sql-transaction-control", "BEGIN / COMMIT inside RunSQL."),
    "sql-mixed-phases": ("run-sql-mixed-phases", "One RunSQL both expands and contracts the schema."),
    "sql-unparseable": ("run-sql-unparseable", "SQL PostgreSQL's parser rejects: declare the phase."),
    "sql-unknown-statement": (
        "run-sql-unknown-statement", "A statement djhelm does not judge: declare the phase."),
    "sql-opaque-block": ("run-sql-opaque-block", "A DO block djhelm cannot see into: declare the phase."),
}
# Codes meaning "djhelm cannot tell": a declared phase settles them.
_UNDECIDED = frozenset({"sql-unparseable", "sql-unknown-statement", "sql-opaque-block"})
IDS = {rule_id: text for rule_id, text in _CODES.values()} | {
    "run-sql-contract": "RunSQL that drops what the old code uses: post-deploy.",
    "run-sql-parser-missing": "RunSQL cannot be judged: pglast is not installed where the checker runs.",
}


def new_tables(ctx: OperationContext) -> set[str]:
    """Tables created earlier in this migration: empty and unseen by old code, so exempt from lock rules."""
    return {table_name(ctx.state.models[key]) for key in ctx.created_in_migration if key in ctx.state.models}


@rule(migrations.RunSQL, ids=IDS)
def check_run_sql(ctx: OperationContext) -> Iterator[Finding]:
    from djhelm.safety.sql import judge_run_sql

    declared = ctx.overrides.declared
    try:
        judged = judge_run_sql(ctx.operation.sql, atomic=ctx.atomic, new_tables=new_tables(ctx))
    except ModuleNotFoundError as error:
        if error.name != "pglast":
            raise
        # djhelm.runtime may run in an image that installed djhelm without its dependencies
        yield ctx.finding(
            "run-sql-parser-missing", "info" if declared in ("pre", "post", "any") else "error",
            "RunSQL is judged with PostgreSQL's own parser (pglast), which is not installed here",
            "pip install pglast (a dependency of djhelm) where migrate_phase runs, or declare the phase: "
            'djhelm_phase = "pre"  # or "post"',
            effect=None if declared in ("pre", "post", "any") else "blocked")
        return
    except ValueError as error:
        yield ctx.finding(
            "run-sql-unparseable", "error", f"RunSQL's sql has a shape Django rejects: {error}",
            "Pass a string, or a list of strings / (sql, params) pairs.", effect="blocked")
        return
    for statement in judged.statements:
        where = f"statement {statement.index + 1} ({statement.text})"
        for sql_finding in statement.findings:
            effect: Phase | None = None
            severity = sql_finding.severity
            if sql_finding.code in _UNDECIDED:
                if declared in ("pre", "post", "any"):
                    severity = "info"  # the author said when it runs; nothing better to offer
                else:
                    effect = "blocked"
            elif statement.phase == "blocked" and sql_finding.severity == "error":
                effect = "blocked"
            elif statement.phase == "post":
                effect = "post"
            yield ctx.finding(
                _CODES[sql_finding.code][0], severity, f"{where}: {sql_finding.message}", sql_finding.fix,
                effect=effect, effect_when_acknowledged=_after_ack(statement.phase))
        if statement.phase == "post" and not statement.findings and not statement.neutral:
            yield ctx.finding(
                "run-sql-contract", "info",
                f"{where} removes something the old code may still use: it runs after the rollout.",
                effect="post")
    for sql_finding in judged.findings:
        yield ctx.finding(
            _CODES[sql_finding.code][0], sql_finding.severity, sql_finding.message, sql_finding.fix,
            effect="blocked", effect_when_acknowledged="post")


def _after_ack(phase: Phase | None) -> Phase | None:
    return "post" if phase == "post" else "pre"
