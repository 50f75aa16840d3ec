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
from djhelm.safety.overrides import read_overrides
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
}


@rule(migrations.AddConstraint, ids=IDS)
def check_add_constraint(ctx: OperationContext) -> Iterator[Finding]:
    op = ctx.operation
    if ctx.model_is_new:
        return
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
            f"{where} builds a unique index while holding a lock that blocks every write (and, for a "
            "UNIQUE constraint, every read) until it is built.",
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
        declared = read_overrides(ctx.migration).declared is not None  # what the fix asks for
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
        yield ctx.finding(
            "validate-constraint", "info",
            f"validates {op.name} on {ctx.table_name() or op.model_name}: a scan under SHARE UPDATE "
            "EXCLUSIVE (reads and writes continue). It runs after the rollout so that rows the old code "
            "wrote during the deploy are checked too, and a backfill between the phases can fix them first.",
            'If the data are known to be clean already, run it before the rollout: '
            'djhelm_ack = {"validate-constraint": "<how you know>"}',
            effect="post", effect_when_acknowledged="pre")
