"""AddIndex / AddIndexConcurrently on an existing table.

A plain CREATE INDEX holds a SHARE lock for the whole build, so every write to the table waits (proven in
tests/safety/postgres_proofs/test_index_locks.py). It is still an expand step: pre, with a lock warning.
AddIndexConcurrently lets writes through but cannot run in a transaction, and a failed build leaves an
INVALID index behind.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db import migrations

from djhelm.safety.context import OperationContext
from djhelm.safety.model import Finding
from djhelm.safety.registry import rule
from djhelm.safety.rules._model_ops import NOT_ATOMIC, index_source, is_postgres_op

IDS = {
    "add-index": "AddIndex on an existing table blocks writes while the index builds.",
    "add-index-concurrently": "AddIndexConcurrently: a failed build leaves an INVALID index behind.",
    "add-index-concurrently-atomic": "AddIndexConcurrently in an atomic migration fails at once.",
}


@rule(migrations.AddIndex, ids=IDS)
def check_add_index(ctx: OperationContext) -> Iterator[Finding]:
    op = ctx.operation
    table = ctx.table_name() or "<table>"
    if is_postgres_op(op, "AddIndexConcurrently"):
        if ctx.atomic:
            yield ctx.finding(
                "add-index-concurrently-atomic", "error",
                "CREATE INDEX CONCURRENTLY cannot run inside a transaction: Django refuses this "
                "AddIndexConcurrently because the migration is atomic.",
                NOT_ATOMIC, effect="blocked")
        if not ctx.model_is_new:
            yield ctx.finding(
                "add-index-concurrently", "info",
                f"builds {op.index.name} on {table} without blocking writes (pre). If the build fails or is "
                "interrupted, PostgreSQL keeps an INVALID index with that name and a plain retry fails; "
                "`manage.py migrate_phase` drops such leftovers before it retries.",
                "Keep the concurrent build alone in its migration, so a retry repeats only the build.",
                effect="pre")
        return
    if ctx.model_is_new:
        return  # the table was created earlier in this migration: empty, and unseen by old code
    yield ctx.finding(
        "add-index", "warning",
        f"CREATE INDEX {op.index.name} on {table} holds a SHARE lock for the whole build: every INSERT, "
        "UPDATE and DELETE on the table waits until it finishes (reads continue).",
        "from django.contrib.postgres.operations import AddIndexConcurrently\n"
        f"{NOT_ATOMIC}\n"
        f"AddIndexConcurrently({op.model_name!r}, {index_source(op.index)})",
        effect="pre")
