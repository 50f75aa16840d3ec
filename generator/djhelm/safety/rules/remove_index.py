"""RemoveIndex / RemoveIndexConcurrently: the old code's queries may still rely on the index: post.

A plain DROP INDEX takes ACCESS EXCLUSIVE on the table (reads and writes wait behind it); the
concurrent form does not (tests/safety/postgres_proofs/test_index_locks.py).
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db import migrations

from djhelm.safety.context import OperationContext
from djhelm.safety.model import Finding
from djhelm.safety.registry import rule
from djhelm.safety.rules._model_ops import NOT_ATOMIC, is_postgres_op

IDS = {
    "remove-index": "RemoveIndex: old code may still use the index (post); DROP INDEX blocks all access.",
    "remove-index-concurrently-atomic": "RemoveIndexConcurrently in an atomic migration fails at once.",
}


@rule(migrations.RemoveIndex, ids=IDS, skip_new_tables=True)
def check_remove_index(ctx: OperationContext) -> Iterator[Finding]:
    op = ctx.operation
    table = ctx.table_name("before") or "<table>"
    concurrent = is_postgres_op(op, "RemoveIndexConcurrently")
    if concurrent and ctx.atomic:
        yield ctx.finding(
            "remove-index-concurrently-atomic", "error",
            "DROP INDEX CONCURRENTLY cannot run inside a transaction: Django refuses this "
            "RemoveIndexConcurrently because the migration is atomic.",
            NOT_ATOMIC, effect="blocked")
    lock = "" if concurrent else (
        " DROP INDEX also takes an ACCESS EXCLUSIVE lock on the table: it queues behind running queries "
        "and every read and write queues behind it.")
    fix = "" if concurrent else (
        "from django.contrib.postgres.operations import RemoveIndexConcurrently\n"
        f"{NOT_ATOMIC}\n"
        f"RemoveIndexConcurrently({op.model_name!r}, {op.name!r})")
    yield ctx.finding(
        "remove-index", "info" if concurrent else "warning",
        f"drops index {op.name} on {table}: the old code's queries may still depend on it, so it runs "
        f"after the rollout.{lock}",
        fix, effect="post")
