"""Judge raw SQL (a RunSQL operation) statement by statement, using PostgreSQL's own parser (pglast).

Pure: text in, judgements out. pglast is imported inside the functions that need it, so importing
``djhelm.safety`` costs only Django and the standard library (djhelm.runtime runs without pglast).

Each statement gets a phase: ``pre`` (safe while old code serves traffic), ``post`` (safe only once
no old code runs), ``blocked`` (unsafe as written) or ``None`` (djhelm cannot tell: the author must
declare the phase). Lock and rewrite claims made here are proven in tests/safety/postgres_proofs/.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from djhelm.safety.model import Phase, Severity

__all__ = ["SqlFinding", "SqlJudgement", "StatementJudgement", "judge_run_sql", "judge_sql", "normalise_sqls"]

# Functions PostgreSQL evaluates once per ALTER TABLE (stable or immutable): a default built only from
# these and constants keeps ADD COLUMN a metadata-only change (PostgreSQL >= 11 stores it as "missing").
_NON_VOLATILE_FUNCTIONS = frozenset({
    "now", "transaction_timestamp", "statement_timestamp", "current_date", "current_timestamp",
    "localtimestamp", "current_user", "session_user", "lower", "upper", "coalesce", "concat",
    "to_jsonb", "jsonb_build_object", "jsonb_build_array", "json_build_object", "array_length",
    "make_interval", "make_date", "to_timestamp", "length", "btrim", "trim", "abs", "round",
    "current_setting", "current_schema", "current_database",
})
# Column types whose implicit default is nextval(): adding one fills every existing row (a rewrite).
_SERIAL_TYPES = frozenset({"serial", "serial4", "bigserial", "serial8", "smallserial", "serial2"})
_EXCERPT_LENGTH = 120
_DECLARE = 'declare when it runs: djhelm_phase = "pre" (or "post") on the Migration class'


@dataclass(frozen=True)
class SqlFinding:
    """One problem or remark about one statement. ``code`` is stable (tests and docs use it)."""

    code: str
    severity: Severity
    message: str
    fix: str = ""


@dataclass(frozen=True)
class StatementJudgement:
    index: int
    text: str
    phase: Phase | None
    findings: tuple[SqlFinding, ...] = ()
    # Neutral statements (SELECT, SET, GRANT, COMMENT, ANALYZE) fit any phase: they neither expand nor
    # contract the schema, so they never make a script "mixed" and never decide its phase.
    neutral: bool = False


@dataclass(frozen=True)
class SqlJudgement:
    statements: tuple[StatementJudgement, ...] = ()
    findings: tuple[SqlFinding, ...] = ()

    @property
    def phase(self) -> Phase | None:
        """The phase of the whole SQL: blocked beats undecided beats post beats pre.

        Mixing pre and post statements is blocked (see ``findings``): old code cannot survive the
        post part and new code needs the pre part, so no single moment in a deploy fits both.
        """
        phases = [s.phase for s in self.statements if not s.neutral]
        if "blocked" in phases or any(f.code == "sql-mixed-phases" for f in self.findings):
            return "blocked"
        if None in phases:
            return None
        if "post" in phases:
            return "post"
        return "pre"

    @property
    def all_findings(self) -> tuple[SqlFinding, ...]:
        """Every finding, the statements' and the whole text's, in order (what the tests compare)."""
        return tuple(f for s in self.statements for f in s.findings) + self.findings


@dataclass
class _Context:
    atomic: bool
    new_tables: set[str] = field(default_factory=set)
    # Several statements sent in one execute() (a RunSQL list item): PostgreSQL runs them as one
    # implicit transaction even when the migration is not atomic.
    one_message: bool = False
    # Constraints added NOT VALID earlier in the current transaction: name -> the lock ADD CONSTRAINT took.
    not_valid: dict[str, str] = field(default_factory=dict)

    @property
    def in_transaction(self) -> bool:
        return self.atomic or self.one_message

    def transaction_finding(self, what: str) -> SqlFinding:
        if self.atomic:
            return SqlFinding(
                "sql-concurrently-in-transaction", "error",
                f"{what} cannot run inside a transaction block, and this migration is atomic",
                "set `atomic = False` on the migration, and keep this statement alone in it")
        return SqlFinding(
            "sql-concurrently-in-transaction", "error",
            f"{what} cannot run inside a transaction block, and this RunSQL list item holds several "
            "statements, which PostgreSQL runs as one implicit transaction",
            "give each statement its own list item (a plain string is split by Django, a list item is not)")


def normalise_sqls(sqls: Any) -> list[tuple[str, Any]]:
    """RunSQL's accepted shapes -> [(sql, params)], the way Django's RunSQL._run_sql reads them.

    A plain string is one script (possibly many statements) run without parameters; a list or tuple
    holds strings or (sql, params) pairs, each executed separately.
    """
    if sqls is None or sqls == "":
        return []
    if isinstance(sqls, bytes):
        sqls = sqls.decode("utf-8", errors="replace")  # Django's sqlparse.split() reads bytes as text
    if isinstance(sqls, str):
        return [(sqls, None)]
    if not isinstance(sqls, list | tuple):
        raise ValueError(f"RunSQL expects a string or a list of statements, got {type(sqls).__name__}")
    pairs: list[tuple[str, Any]] = []
    for item in sqls:
        if isinstance(item, list | tuple):
            if len(item) != 2:
                raise ValueError(f"RunSQL expects (sql, params) pairs, got {len(item)} elements")
            pairs.append((str(item[0]), item[1]))
        else:
            pairs.append((str(item), None))
    return pairs


def judge_run_sql(sqls: Any, *, atomic: bool = True, new_tables: Collection[str] = ()) -> SqlJudgement:
    """Judge everything a RunSQL's forward ``sql`` would execute (reverse_sql is never run forward)."""
    context = _Context(atomic=atomic, new_tables={t.lower() for t in new_tables})
    statements: list[StatementJudgement] = []
    # Django splits a plain string into statements and runs them one by one; list items go to the
    # server whole, so several statements in one item share one implicit transaction.
    split_by_django = isinstance(sqls, str)
    for text, params in normalise_sqls(sqls):
        if params is not None:
            text = _placeholders_to_params(text)
        context.one_message = not split_by_django and _statement_count(text) > 1
        if not context.atomic:
            context.not_valid.clear()  # each item (or statement) commits on its own
        for judged in _judge_script(text, context):
            statements.append(
                StatementJudgement(len(statements), judged.text, judged.phase, judged.findings,
                                   judged.neutral))
    return _with_mix_check(statements)


def _statement_count(script: str) -> int:
    from pglast import parse_sql
    from pglast.parser import ParseError

    try:
        return len(parse_sql(script))
    except ParseError:
        return 1  # reported as unparseable anyway


def judge_sql(sql: str, *, atomic: bool = True, new_tables: Collection[str] = ()) -> SqlJudgement:
    """Judge one SQL script (no parameters)."""
    return judge_run_sql(sql, atomic=atomic, new_tables=new_tables)


def _with_mix_check(statements: list[StatementJudgement]) -> SqlJudgement:
    phases = {s.phase for s in statements if not s.neutral}
    findings: tuple[SqlFinding, ...] = ()
    if {"pre", "post"} <= phases:
        findings = (SqlFinding(
            "sql-mixed-phases", "error",
            "this SQL both expands the schema (pre) and contracts it (post); no single moment in a "
            "rolling deploy suits both",
            "split it into two RunSQL operations in separate migrations: the expand part before the "
            "deploy, the contract part after it"),)
    return SqlJudgement(tuple(statements), findings)


_PYFORMAT = re.compile(r"%\((\w+)\)s|%s|%%")


def _placeholders_to_params(sql: str) -> str:
    """psycopg placeholders (%s, %(name)s) -> PostgreSQL $n so the parser accepts them; %% -> %."""
    counter = iter(range(1, 10_000))
    named: dict[str, int] = {}

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "%%":
            return "%"
        name = match.group(1)
        if name is None:
            return f"${next(counter)}"
        if name not in named:
            named[name] = next(counter)
        return f"${named[name]}"

    return _PYFORMAT.sub(replace, sql)


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _EXCERPT_LENGTH else flat[: _EXCERPT_LENGTH - 1] + "…"


def _judge_script(script: str, context: _Context) -> Iterable[StatementJudgement]:
    from pglast import parse_sql
    from pglast.parser import ParseError

    try:
        raw_statements = parse_sql(script)
    except ParseError:
        # One bad statement must not hide the others: split on top-level semicolons and retry each.
        yield from _judge_pieces(script, context)
        return
    for raw in raw_statements:
        start = raw.stmt_location or 0
        end = start + raw.stmt_len if raw.stmt_len else len(script)
        text = script[start:end].strip()
        yield _judge_statement(raw.stmt, text, context)


def _judge_pieces(script: str, context: _Context) -> Iterable[StatementJudgement]:
    from pglast import parse_sql
    from pglast.parser import ParseError, scan

    try:
        tokens = scan(script)
    except ParseError as error:
        yield _unparseable(script, str(error))
        return
    start = 0
    cuts = [t.start for t in tokens if t.name == "ASCII_59"] + [len(script)]
    for cut in cuts:
        piece = script[start:cut].strip()
        start = cut + 1
        if not piece:
            continue
        try:
            parsed = parse_sql(piece)
        except ParseError as error:
            yield _unparseable(piece, str(error))
            continue
        for raw in parsed:
            yield _judge_statement(raw.stmt, piece, context)


def _unparseable(text: str, error: str) -> StatementJudgement:
    return StatementJudgement(0, _excerpt(text), None, (SqlFinding(
        "sql-unparseable", "error",
        f"PostgreSQL's parser rejects this SQL ({error}); djhelm cannot tell when it is safe to run",
        "fix the SQL, or declare when it runs: djhelm_phase = \"pre\" (or \"post\") on the Migration "
        "class (see docs/migrations-rules.md, 'Declaring a phase')"),))


# --- statement judges ---------------------------------------------------------------------------

def _judge_statement(node: Any, text: str, context: _Context) -> StatementJudgement:
    kind = type(node).__name__
    judge = _JUDGES.get(kind)
    if judge is None:
        phase: Phase | None
        if kind in _HARMLESS:
            phase, findings = "pre", []
        else:
            phase, findings = None, [SqlFinding(
                "sql-unknown-statement", "error",
                f"djhelm does not judge {kind} statements, so it cannot tell when this is safe to run",
                _DECLARE)]
    else:
        phase, findings = judge(node, context)
    return StatementJudgement(0, _excerpt(text), phase, tuple(findings), kind in _NEUTRAL
                              or (kind == "VacuumStmt" and phase == "pre"))


_Verdict = tuple["Phase | None", list[SqlFinding]]

_NEUTRAL = frozenset({
    "SelectStmt", "VariableSetStmt", "CommentStmt", "GrantStmt", "GrantRoleStmt", "NotifyStmt",
    "AlterOwnerStmt", "AlterDefaultPrivilegesStmt",
})

# Statements that add objects, change data or session settings and take no lock old code would notice.
_HARMLESS = frozenset({
    "CreateStmt", "CreateTableAsStmt", "CreateSeqStmt", "AlterSeqStmt", "CreateFunctionStmt",
    "CreateExtensionStmt", "CreateSchemaStmt", "ViewStmt", "CreateTrigStmt", "CommentStmt",
    "GrantStmt", "GrantRoleStmt", "VariableSetStmt", "SelectStmt", "InsertStmt", "CreateEnumStmt",
    "CompositeTypeStmt", "CreateDomainStmt", "AlterEnumStmt", "CreateStatsStmt", "DefineStmt",
    "CreatePolicyStmt", "CreateRangeStmt", "AlterDefaultPrivilegesStmt", "AlterOwnerStmt",
    "CreateCastStmt", "RuleStmt", "NotifyStmt", "CallStmt",
})


def _relname(range_var: Any) -> str:
    return str(range_var.relname).lower() if range_var is not None else ""


def _is_new(range_var: Any, context: _Context) -> bool:
    return _relname(range_var) in context.new_tables


def _create_table(node: Any, context: _Context) -> _Verdict:
    context.new_tables.add(_relname(node.relation))
    return "pre", []


def _create_table_as(node: Any, context: _Context) -> _Verdict:
    context.new_tables.add(_relname(node.into.rel))
    return "pre", []


def _index(node: Any, context: _Context) -> _Verdict:
    table = _relname(node.relation)
    if node.concurrent:
        if context.in_transaction:
            return "blocked", [context.transaction_finding("CREATE INDEX CONCURRENTLY")]
        if not node.if_not_exists:
            return "pre", [SqlFinding(
                "sql-concurrent-index-not-idempotent", "warning",
                "a failed or interrupted CREATE INDEX CONCURRENTLY leaves an INVALID index behind, and a "
                "retry then fails because the name is taken",
                "write CREATE INDEX CONCURRENTLY IF NOT EXISTS, and drop an INVALID leftover "
                "(DROP INDEX CONCURRENTLY) before retrying")]
        return "pre", []
    if _is_new(node.relation, context):
        return "pre", []
    return "pre", [SqlFinding(
        "sql-index-blocks-writes", "warning",
        f"CREATE INDEX on existing table {table!r} holds a SHARE lock for the whole build: every "
        "INSERT, UPDATE and DELETE on it waits until the index is built",
        "use CREATE INDEX CONCURRENTLY IF NOT EXISTS in a migration with `atomic = False`")]


def _drop(node: Any, context: _Context) -> _Verdict:
    from pglast.enums import ObjectType

    remove = node.removeType
    if remove == ObjectType.OBJECT_INDEX:
        if node.concurrent and context.in_transaction:
            return "blocked", [context.transaction_finding("DROP INDEX CONCURRENTLY")]
        if node.concurrent:
            return "post", []
        return "post", [SqlFinding(
            "sql-drop-index-locks", "warning",
            "DROP INDEX takes an ACCESS EXCLUSIVE lock on the table: it waits behind every running "
            "query and blocks all reads and writes meanwhile",
            "use DROP INDEX CONCURRENTLY IF EXISTS in a migration with `atomic = False`")]
    names = {".".join(str(getattr(p, "sval", p)) for p in _as_tuple(obj)).lower() for obj in node.objects}
    if remove in (ObjectType.OBJECT_TABLE, ObjectType.OBJECT_VIEW, ObjectType.OBJECT_MATVIEW) and all(
            n.rsplit(".", 1)[-1] in context.new_tables for n in names):
        return "pre", []
    return "post", []


def _as_tuple(value: Any) -> tuple[Any, ...]:
    return tuple(value) if isinstance(value, list | tuple) else (value,)


_NOT_A_TABLE_SUFFIXES = ("_seq", "_pkey", "_idx", "_like", "_uniq")


def _rename(node: Any, context: _Context) -> _Verdict:
    from pglast.enums import ObjectType

    if node.renameType in (ObjectType.OBJECT_INDEX, ObjectType.OBJECT_TABCONSTRAINT,
                           ObjectType.OBJECT_TRIGGER, ObjectType.OBJECT_SEQUENCE):
        return "pre", []
    if (
        node.renameType == ObjectType.OBJECT_TABLE
        and node.relation is not None
        and node.relation.relname.endswith(_NOT_A_TABLE_SUFFIXES)
    ):
        # PostgreSQL lets ALTER TABLE rename any relation; these are the names PostgreSQL and Django give
        # sequences and indexes (shop_item_id_seq, ..._pkey, ..._like), which no query names.
        return "pre", []
    if node.relation is not None and _is_new(node.relation, context):
        return "pre", []
    return "blocked", [SqlFinding(
        "sql-rename", "error",
        "renaming a table or column breaks whichever code version still uses the old name: old pods "
        "during the deploy, or new pods if you run it afterwards",
        "keep the old database name (Django: pin Meta.db_table or Field.db_column), or expand/contract: "
        "add the new name, write both, backfill, switch reads, then drop the old one in a later release")]


def _alter_table(node: Any, context: _Context) -> _Verdict:
    if _is_new(node.relation, context):
        return "pre", []
    phases: list[Phase | None] = []
    findings: list[SqlFinding] = []
    table = _relname(node.relation)
    for cmd in node.cmds:
        phase, found = _validate_after_not_valid(cmd, context) or _alter_table_cmd(cmd, table)
        phases.append(phase)
        findings.extend(found)
    return _worst(phases), findings


def _validate_after_not_valid(cmd: Any, context: _Context) -> _Verdict | None:
    """VALIDATE of a constraint this transaction added NOT VALID: the ADD's lock is still held, so the
    scan blocks what the ADD blocks; record NOT VALID additions for the statements that follow."""
    from pglast.enums import AlterTableType as At
    from pglast.enums import ConstrType

    if cmd.subtype == At.AT_AddConstraint and cmd.def_.skip_validation and context.in_transaction:
        kind = cmd.def_.contype
        lock = ("ACCESS EXCLUSIVE (reads and writes wait)" if kind == ConstrType.CONSTR_CHECK
                else "SHARE ROW EXCLUSIVE on both tables (writes wait)")
        context.not_valid[cmd.def_.conname or ""] = lock
        return None
    if cmd.subtype != At.AT_ValidateConstraint or cmd.name not in context.not_valid:
        return None
    return "blocked", [SqlFinding(
        "sql-validate-same-transaction", "error",
        f"VALIDATE CONSTRAINT {cmd.name} runs in the transaction that added it NOT VALID, so the ADD's "
        f"{context.not_valid[cmd.name]} lock is still held while every row is checked: NOT VALID buys "
        "nothing",
        "VALIDATE in a later migration (after the rollout), or make the migration non-atomic with each "
        "statement in its own RunSQL")]


def _worst(phases: Sequence[Phase | None]) -> Phase | None:
    for candidate in ("blocked", None, "post"):
        if candidate in phases:
            return candidate  # type: ignore[return-value]
    return "pre"


_REWRITE_FIX = ("add a new column, write both from the application, backfill it in batches, switch reads, "
                "then drop the old column in a later release")


def _alter_table_cmd(cmd: Any, table: str) -> _Verdict:
    from pglast.enums import AlterTableType as At

    sub = cmd.subtype
    if sub == At.AT_AddColumn:
        return _add_column(cmd.def_, table)
    if sub == At.AT_DropColumn:
        return "post", []
    if sub == At.AT_AlterColumnType:
        return "blocked", [SqlFinding(
            "sql-alter-column-type", "error",
            f"ALTER COLUMN {cmd.name} TYPE on {table!r} usually rewrites the table and its indexes under an "
            "ACCESS EXCLUSIVE lock (reads and writes wait), and old code may not handle the new type",
            "only widening varchar(n) to a larger n or to text is metadata-only: if that is what this is, "
            "acknowledge this finding with that reason; otherwise " + _REWRITE_FIX)]
    if sub == At.AT_SetNotNull:
        return "blocked", [SqlFinding(
            "sql-set-not-null", "error",
            f"SET NOT NULL on {cmd.name!r} scans the whole table under an ACCESS EXCLUSIVE lock, and old "
            "code may still write NULL",
            f"pre: ADD CONSTRAINT ... CHECK ({cmd.name} IS NOT NULL) NOT VALID; post: VALIDATE CONSTRAINT, "
            "then SET NOT NULL (PostgreSQL skips the scan when a valid CHECK proves it) and drop the CHECK")]
    if sub == At.AT_DropNotNull:
        return "pre", []
    if sub == At.AT_ColumnDefault:
        if cmd.def_ is None:
            return "post", [SqlFinding(
                "sql-drop-default", "info",
                f"DROP DEFAULT on {cmd.name!r}: old code that omits the column on INSERT relies on it",
                "")]
        return "pre", []
    if sub == At.AT_AddConstraint:
        return _add_constraint(cmd.def_, table)
    if sub == At.AT_ValidateConstraint:
        return "post", [SqlFinding(
            "sql-validate-constraint", "info",
            f"VALIDATE CONSTRAINT {cmd.name} scans the table under SHARE UPDATE EXCLUSIVE (reads and writes "
            "continue); djhelm places it after the deploy so rows written by old code are covered",
            "if the data are known to be clean before the deploy, acknowledge this finding with that "
            "reason to run it before the rollout")]
    if sub == At.AT_DropConstraint:
        return "pre", []
    if sub in (At.AT_SetLogged, At.AT_SetUnLogged, At.AT_SetTableSpace, At.AT_SetAccessMethod):
        return "blocked", [SqlFinding(
            "sql-table-rewrite", "error",
            f"this ALTER TABLE on {table!r} rewrites the whole table under an ACCESS EXCLUSIVE lock",
            "run it in a maintenance window, or build a new table and switch to it")]
    if sub.name in _HARMLESS_ALTER:
        return "pre", []
    return None, [SqlFinding(
        "sql-unknown-statement", "error",
        f"djhelm does not judge ALTER TABLE {sub.name}, so it cannot tell when this is safe to run",
        _DECLARE)]


# ALTER TABLE sub-commands that change only catalog metadata and need no scan or rewrite.
_HARMLESS_ALTER = frozenset({
    "AT_SetStatistics", "AT_SetOptions", "AT_ResetOptions", "AT_SetStorage", "AT_SetCompression",
    "AT_ChangeOwner", "AT_SetRelOptions", "AT_ResetRelOptions", "AT_ReplaceRelOptions",
    "AT_EnableTrig", "AT_EnableAlwaysTrig", "AT_EnableReplicaTrig", "AT_DisableTrig",
    "AT_EnableTrigAll", "AT_DisableTrigAll", "AT_EnableTrigUser", "AT_DisableTrigUser",
    "AT_ReplicaIdentity", "AT_ClusterOn", "AT_DropCluster", "AT_EnableRowSecurity",
    "AT_DisableRowSecurity", "AT_ForceRowSecurity", "AT_NoForceRowSecurity", "AT_AlterConstraint",
    "AT_DropIdentity", "AT_SetIdentity", "AT_AddIdentity",
})


def _add_column(column: Any, table: str) -> _Verdict:
    from pglast.enums import ConstrType

    name = column.colname
    type_name = str(column.typeName.names[-1].sval).lower() if column.typeName is not None else ""
    constraints = list(column.constraints or ())
    kinds = {c.contype for c in constraints}
    default: Any = next((c.raw_expr for c in constraints if c.contype == ConstrType.CONSTR_DEFAULT), None)
    if type(default).__name__ == "A_Const" and default.isnull:
        default = None  # DEFAULT NULL is no default at all
    findings: list[SqlFinding] = []
    if (type_name in _SERIAL_TYPES or ConstrType.CONSTR_IDENTITY in kinds
            or ConstrType.CONSTR_GENERATED in kinds or (default is not None and _is_volatile(default))):
        return "blocked", [SqlFinding(
            "sql-add-column-rewrite", "error",
            f"ADD COLUMN {name} on {table!r} has a value computed per row (volatile default, serial, "
            "identity or generated column): PostgreSQL rewrites the whole table under an ACCESS "
            "EXCLUSIVE lock",
            "add the column nullable (or with a constant default), then fill it in batches; set the "
            "per-row default afterwards with ALTER COLUMN ... SET DEFAULT")]
    if ConstrType.CONSTR_NOTNULL in kinds and default is None:
        return "blocked", [SqlFinding(
            "sql-add-column-not-null", "error",
            f"ADD COLUMN {name} NOT NULL without a default fails on a table with rows, and old code's "
            "INSERTs (which omit the column) would fail too",
            "give it a constant DEFAULT that stays in the database (Django: db_default=), "
            "or add it nullable")]
    if kinds & {ConstrType.CONSTR_UNIQUE, ConstrType.CONSTR_PRIMARY, ConstrType.CONSTR_EXCLUSION}:
        return "blocked", [SqlFinding(
            "sql-add-column-unique", "error",
            f"ADD COLUMN {name} with UNIQUE/PRIMARY KEY builds an index under an ACCESS EXCLUSIVE lock",
            "add the column plain, then CREATE UNIQUE INDEX CONCURRENTLY and ADD CONSTRAINT ... USING INDEX")]
    if ConstrType.CONSTR_CHECK in kinds:
        return "blocked", [SqlFinding(
            "sql-add-column-check", "error",
            f"ADD COLUMN {name} with a CHECK constraint: PostgreSQL checks it against every existing row "
            "(new column or not) while holding ACCESS EXCLUSIVE, so reads and writes wait for a full scan",
            "add the column without the CHECK, then ADD CONSTRAINT ... CHECK (...) NOT VALID; VALIDATE "
            "CONSTRAINT in a later migration (after the rollout)")]
    if ConstrType.CONSTR_FOREIGN in kinds:
        findings.append(SqlFinding(
            "sql-add-column-fk", "warning",
            f"ADD COLUMN {name} REFERENCES ... takes a SHARE ROW EXCLUSIVE lock on the referenced table "
            "until the migration commits: writes to that table wait meanwhile (no scan: the column is new)",
            "keep the migration short (this operation alone), so the lock is held only briefly"))
    return "pre", findings


def _is_volatile(expr: Any) -> bool:
    """True unless the expression is built only from constants, casts and non-volatile functions."""
    kind = type(expr).__name__
    if kind in ("A_Const", "SQLValueFunction", "ParamRef"):
        return False
    if kind == "TypeCast":
        return _is_volatile(expr.arg)
    if kind == "FuncCall":
        name = str(expr.funcname[-1].sval).lower()
        return name not in _NON_VOLATILE_FUNCTIONS or any(_is_volatile(a) for a in expr.args or ())
    if kind == "A_Expr":
        return any(_is_volatile(side) for side in (expr.lexpr, expr.rexpr) if side is not None)
    if kind == "A_ArrayExpr":
        return any(_is_volatile(e) for e in expr.elements or ())
    if kind == "BoolExpr":
        return any(_is_volatile(a) for a in expr.args or ())
    return True


def _add_constraint(constraint: Any, table: str) -> _Verdict:
    from pglast.enums import ConstrType

    kind = constraint.contype
    name = constraint.conname or "(unnamed)"
    if kind in (ConstrType.CONSTR_CHECK, ConstrType.CONSTR_FOREIGN):
        label = "CHECK" if kind == ConstrType.CONSTR_CHECK else "FOREIGN KEY"
        lock = ("ACCESS EXCLUSIVE lock (reads and writes wait)" if kind == ConstrType.CONSTR_CHECK
                else "SHARE ROW EXCLUSIVE lock on both tables (writes wait)")
        if constraint.skip_validation:
            return "pre", []
        return "blocked", [SqlFinding(
            "sql-constraint-validates", "error",
            f"ADD CONSTRAINT {name} {label} on {table!r} checks every existing row while holding a {lock}",
            "pre: ADD CONSTRAINT ... NOT VALID (enforced for new writes at once, no scan); "
            "post: ALTER TABLE ... VALIDATE CONSTRAINT (scans without blocking writes)")]
    if kind in (ConstrType.CONSTR_UNIQUE, ConstrType.CONSTR_PRIMARY):
        if constraint.indexname:
            return "pre", []
        return "blocked", [SqlFinding(
            "sql-unique-builds-index", "error",
            f"ADD CONSTRAINT {name} UNIQUE/PRIMARY KEY on {table!r} builds its index while holding an "
            "ACCESS EXCLUSIVE lock (reads and writes wait)",
            "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS (atomic = False), then "
            "ADD CONSTRAINT ... UNIQUE USING INDEX (metadata only)")]
    if kind == ConstrType.CONSTR_EXCLUSION:
        return "blocked", [SqlFinding(
            "sql-unique-builds-index", "error",
            f"ADD CONSTRAINT {name} EXCLUDE on {table!r} builds its index under an ACCESS EXCLUSIVE lock",
            "run it in a maintenance window; PostgreSQL has no concurrent build for exclusion constraints")]
    return None, [SqlFinding(
        "sql-unknown-statement", "error",
        f"djhelm does not judge this ADD CONSTRAINT ({kind.name})",
        _DECLARE)]


def _update_or_delete(node: Any, context: _Context) -> _Verdict:
    if node.whereClause is not None or _is_new(node.relation, context):
        return "pre", []
    verb = "UPDATE" if type(node).__name__ == "UpdateStmt" else "DELETE"
    return "pre", [SqlFinding(
        "sql-unbatched-write", "warning",
        f"{verb} without WHERE touches every row of {_relname(node.relation)!r} in one transaction: row "
        "locks are held to the end, old code's writes to those rows wait, and a long statement may hit "
        "statement_timeout",
        "backfill in batches (e.g. WHERE id BETWEEN ... in a RunPython loop with atomic = False)")]


def _lock(node: Any, context: _Context) -> _Verdict:
    return "pre", [SqlFinding(
        "sql-lock-table", "warning",
        "LOCK TABLE holds its lock to the end of the migration's transaction; everything queued behind "
        "it waits",
        "drop the explicit lock, or keep the migration tiny and rely on lock_timeout")]


def _vacuum(node: Any, context: _Context) -> _Verdict:
    options = {str(o.defname).lower() for o in node.options or ()}
    if not node.is_vacuumcmd:
        return "pre", []  # ANALYZE: SHARE UPDATE EXCLUSIVE, allowed in a transaction
    if "full" in options:
        return "blocked", [SqlFinding(
            "sql-table-rewrite", "error",
            "VACUUM FULL rewrites the table under an ACCESS EXCLUSIVE lock (reads and writes wait)",
            "use plain VACUUM, or pg_repack outside the deploy")]
    if context.in_transaction:
        return "blocked", [context.transaction_finding("VACUUM")]
    return "pre", []


def _cluster(node: Any, context: _Context) -> _Verdict:
    return "blocked", [SqlFinding(
        "sql-table-rewrite", "error",
        "CLUSTER rewrites the table under an ACCESS EXCLUSIVE lock (reads and writes wait)",
        "use pg_repack outside the deploy, or drop the statement")]


def _reindex(node: Any, context: _Context) -> _Verdict:
    options = {str(o.defname).lower() for o in node.params or ()}
    if "concurrently" in options:
        if context.in_transaction:
            return "blocked", [context.transaction_finding("REINDEX CONCURRENTLY")]
        return "pre", []
    return "blocked", [SqlFinding(
        "sql-reindex-locks", "error",
        "REINDEX without CONCURRENTLY blocks writes to the table (and reads using the index) while it runs",
        "REINDEX ... CONCURRENTLY in a migration with `atomic = False`")]


def _truncate(node: Any, context: _Context) -> _Verdict:
    if all(_is_new(r, context) for r in node.relations):
        return "pre", []
    return "post", [SqlFinding(
        "sql-truncate", "warning",
        "TRUNCATE takes an ACCESS EXCLUSIVE lock and deletes every row old code may still read",
        "make sure nothing reads the table any more, or delete in batches")]


def _refresh(node: Any, context: _Context) -> _Verdict:
    if node.concurrent:
        return "pre", []
    return "pre", [SqlFinding(
        "sql-refresh-blocks-reads", "warning",
        "REFRESH MATERIALIZED VIEW without CONCURRENTLY blocks every read of the view while it runs",
        "REFRESH MATERIALIZED VIEW CONCURRENTLY (needs a unique index on the view)")]


def _opaque(node: Any, context: _Context) -> _Verdict:
    return None, [SqlFinding(
        "sql-opaque-block", "error",
        "a DO block runs procedural code djhelm cannot see into",
        _DECLARE + ", or write the statements out as plain SQL")]


def _transaction(node: Any, context: _Context) -> _Verdict:
    return "pre", [SqlFinding(
        "sql-transaction-control", "warning",
        "BEGIN/COMMIT inside RunSQL fights Django's own transaction handling for the migration",
        "remove it; use `atomic = False` on the migration to run statements outside a transaction")]


_JUDGES: dict[str, Any] = {
    "CreateStmt": _create_table,
    "CreateTableAsStmt": _create_table_as,
    "IndexStmt": _index,
    "DropStmt": _drop,
    "RenameStmt": _rename,
    "AlterTableStmt": _alter_table,
    "UpdateStmt": _update_or_delete,
    "DeleteStmt": _update_or_delete,
    "LockStmt": _lock,
    "VacuumStmt": _vacuum,
    "ClusterStmt": _cluster,
    "ReindexStmt": _reindex,
    "TruncateStmt": _truncate,
    "RefreshMatViewStmt": _refresh,
    "DoStmt": _opaque,
    "TransactionStmt": _transaction,
}
