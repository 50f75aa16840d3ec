"""SeparateDatabaseAndState: only ``database_operations`` reach the database, so only they are judged.

Each inner database operation is judged by the rules for its own class, on a model state where the
preceding inner operations have been replayed. state_operations never emit SQL (the framework's
sqlfree check gives a migration of state-only changes the effect "any").
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator

from django.db import migrations

from djhelm.safety.context import OperationContext
from djhelm.safety.model import Finding
from djhelm.safety.registry import rule

IDS = {
    "separate-database-and-state": "SeparateDatabaseAndState: judged by its database_operations only.",
}


@rule(migrations.SeparateDatabaseAndState, ids=IDS, delegates=True)
def check_separate_database_and_state(ctx: OperationContext) -> Iterator[Finding]:
    from djhelm.safety.classify import judge_operation, model_keys, snapshot_model

    operations = list(ctx.operation.database_operations)
    if not operations:
        return
    # The outer state already holds the state_operations' result; the database side usually converges
    # to the same models, so replaying the inner operations on a copy is a faithful approximation.
    state = ctx.state.clone()
    for inner in operations:
        key_before, key_after = model_keys(ctx.app_label, inner)
        before = snapshot_model(state.models.get(key_before)) if key_before else None
        with contextlib.suppress(Exception):
            # The state side may already have (or lack) what this operation changes, e.g. a model
            # renamed in state_operations: the rules then judge with the state as it is.
            inner.state_forwards(ctx.app_label, state)
        after = state.models.get(key_after) if key_after else None
        child = dataclasses.replace(
            ctx, operation=inner, state=state, model_key=key_after,
            model_before=before if before is not None else snapshot_model(after), model_after=after)
        yield from judge_operation(child).findings
