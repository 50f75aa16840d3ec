"""DeleteModel drops a table the old code still reads: a contract step (post)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db import migrations

from djhelm.safety.context import OperationContext
from djhelm.safety.model import Finding
from djhelm.safety.registry import rule

IDS = {"delete-model": "DeleteModel drops a table the old code still uses: post-deploy."}


@rule(migrations.DeleteModel, ids=IDS, skip_new_tables=True)
def check_delete_model(ctx: OperationContext) -> Iterator[Finding]:
    table = ctx.table_name("before") or ctx.operation.name
    yield ctx.finding(
        "delete-model",
        "info",
        f"drops table {table}, which the old code still queries: runs after the rollout.",
        effect="post",
    )
