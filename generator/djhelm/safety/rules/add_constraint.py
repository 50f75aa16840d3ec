"""AddConstraint on an existing table, and django.contrib.postgres's ValidateConstraint.

- CheckConstraint: ADD CONSTRAINT ... CHECK scans every row under ACCESS EXCLUSIVE: blocked. The fix is
  AddConstraintNotValid (pre: enforced for new writes, no scan) + ValidateConstraint (post: scans under
  SHARE UPDATE EXCLUSIVE, traffic continues).
- UniqueConstraint: builds a unique index under ACCESS EXCLUSIVE: blocked. The fix is a concurrent
  unique index + ADD CONSTRAINT ... USING INDEX (metadata only).
- ExclusionConstraint: builds its index under ACCESS EXCLUSIVE and has no concurrent form: blocked.
Every lock claim here is proven in tests/safety/postgres_proofs/test_constraint_locks.py.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db import migrations, models

from djhelm.safety.context import OperationContext
from djhelm.safety.model import Finding
from djhelm.safety.registry import rule
from djhelm.safety.rules._model_ops import (
    columns_of,
    deconstructed,
    is_postgres_op,
    postgres_operation,
    unique_index_fix,
)

IDS = {
    "add-constraint-check": "AddConstraint(CheckConstraint) scans the table under ACCESS EXCLUSIVE.",
    "add-constraint-unique": "AddConstraint(UniqueConstraint) builds a unique index under ACCESS EXCLUSIVE.",
    "add-constraint-exclusion": "AddConstraint(ExclusionConstraint) builds its index under ACCESS EXCLUSIVE.",
    "add-constraint-other": "AddConstraint with a constraint class djhelm does not know.",
}
VALIDATE_IDS = {
    "validate-constraint": "ValidateConstraint scans without blocking traffic; post by default.",
    "validate-constraint-same-transaction": "ValidateConstraint in the transaction that added the constraint "
                                            "NOT VALID: the scan runs under that ACCESS EXCLUSIVE lock.",
}


@rule(migrations.AddConstraint, ids=IDS, skip_new_tables=True)
def check_add_constraint(ctx: OperationContext) -> Iterator[Finding]:
    op = ctx.operation
    if is_postgres_op(op, "AddConstraintNotValid"):
        return  # NOT VALID: a brief lock, no scan; enforced for new rows from now on (pre)
    constraint = op.constraint
    table = ctx.table_name() or "<table>"
    where = f"{op.model_name}: constraint {constraint.name} on {table}"
    if isinstance(constraint, models.CheckConstraint):
        yield ctx.finding(
            "add-constraint-check", "error",
            f"{where} is checked against every existing row while PostgreSQL holds an ACCESS EXCLUSIVE "
            "lock: no reads or writes for the whole scan.",
            "from django.contrib.postgres.operations import AddConstraintNotValid, ValidateConstraint\n"
            "# this migration (pre):\n"
            f"AddConstraintNotValid({op.model_name!r}, {deconstructed(constraint)})\n"
            f"# a later migration (post):\nValidateConstraint({op.model_name!r}, {constraint.name!r})",
            effect="blocked", effect_when_acknowledged="pre")
    elif isinstance(constraint, models.UniqueConstraint):
        model = ctx.model_after
        partial = bool(constraint.condition is not None or constraint.expressions
                       or constraint.include or constraint.opclasses)
        columns = None if constraint.expressions else columns_of(model, constraint.fields)
        yield ctx.finding(
            "add-constraint-unique", "error",
            f"{where} is a CREATE UNIQUE INDEX (condition, expressions, include or opclasses): it holds "
            "a SHARE lock that makes every write wait until the index is built; reads continue."
            if partial else
            f"{where} is ALTER TABLE ... ADD CONSTRAINT UNIQUE: it builds its index while holding ACCESS "
            "EXCLUSIVE, so reads and writes wait until it is built.",
            unique_index_fix(f"migrations.AddConstraint({op.model_name!r}, {deconstructed(constraint)})",
                             table, constraint.name, columns, condition=partial),
            effect="blocked", effect_when_acknowledged="pre")
    elif type(constraint).__name__ == "ExclusionConstraint":
        yield ctx.finding(
            "add-constraint-exclusion", "error",
            f"{where} builds its index under an ACCESS EXCLUSIVE lock, and PostgreSQL has no concurrent "
            "way to add an exclusion constraint.",
            "Run it in a maintenance window, or acknowledge it for a small table: "
            'djhelm_ack = {"add-constraint-exclusion": "table has N rows"}',
            effect="blocked", effect_when_acknowledged="pre")
    else:
        declared = ctx.overrides.declared is not None  # what the fix asks for
        yield ctx.finding(
            "add-constraint-other", "info" if declared else "warning",
            f"{where}: djhelm does not know {type(constraint).__name__}; treated as pre-deploy.",
            'Declare the phase on the Migration class: djhelm_phase = "pre"  # or "post"',
            effect="pre")


_VALIDATE = postgres_operation("ValidateConstraint")
if _VALIDATE is not None:

    @rule(_VALIDATE, ids=VALIDATE_IDS)
    def check_validate_constraint(ctx: OperationContext) -> Iterator[Finding]:
        op = ctx.operation
        if ctx.atomic and _added_not_valid_earlier(ctx):
            yield ctx.finding(
                "validate-constraint-same-transaction", "error",
                f"validates {op.name}, which this migration added NOT VALID: both run in one transaction, "
                "so the ACCESS EXCLUSIVE lock of ADD CONSTRAINT is still held while VALIDATE scans every "
                f"row of {ctx.table_name() or op.model_name}; reads and writes wait for the whole scan, as "
                "if NOT VALID had not been used.",
                f"Move ValidateConstraint({op.model_name!r}, {op.name!r}) into a migration of its own (it "
                "runs after the rollout); or, when the data are known to be clean, set atomic = False on "
                "this migration and acknowledge validate-constraint with how you know.",
                effect="blocked", effect_when_acknowledged="pre")
            return
        yield ctx.finding(
            "validate-constraint", "info",
            f"validates {op.name} on {ctx.table_name() or op.model_name}: a scan under SHARE UPDATE "
            "EXCLUSIVE (reads and writes continue). It runs after the rollout so that rows the old code "
            "wrote during the deploy are checked too, and a backfill between the phases can fix them first.",
            'If the data are known to be clean already, run it before the rollout: '
            'djhelm_ack = {"validate-constraint": "<how you know>"}',
            effect="post", effect_when_acknowledged="pre")


def _added_not_valid_earlier(ctx: OperationContext) -> bool:
    op = ctx.operation
    return any(
        is_postgres_op(earlier, "AddConstraintNotValid")
        and earlier.model_name.lower() == op.model_name.lower()
        and earlier.constraint.name == op.name
        for earlier in ctx.migration.operations[: ctx.index]
    )
