"""RunPython: code djhelm cannot see (sqlmigrate cannot either). The author must declare its phase.

Undeclared: blocked, with a finding saying how to declare it. In an atomic migration, every row the
function touches stays locked until the migration commits: a warning to batch large backfills.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db import migrations

from djhelm.safety.context import OperationContext
from djhelm.safety.model import Finding
from djhelm.safety.overrides import read_overrides
from djhelm.safety.registry import rule

IDS = {
    "run-python-undeclared": "RunPython without a declared phase: djhelm cannot see what it does.",
    "run-python-batching": "RunPython in an atomic migration holds every row lock until the end.",
}


def _name(code: object) -> str:
    return str(getattr(code, "__qualname__", None) or getattr(code, "__name__", None) or repr(code))


@rule(migrations.RunPython, ids=IDS)
def check_run_python(ctx: OperationContext) -> Iterator[Finding]:
    op = ctx.operation
    name = _name(op.code)
    if read_overrides(ctx.migration).declared is None:
        yield ctx.finding(
            "run-python-undeclared", "error",
            f"RunPython({name}) runs code djhelm cannot see: it cannot tell whether the data change must "
            "happen before the new code serves (pre) or only once the old code is gone (post).",
            '# on the Migration class (django-safemigrate\'s `safe = Safe.before_deploy()` works too):\n'
            'djhelm_phase = "pre"  # or "post"',
            effect="blocked", effect_when_acknowledged="pre")
    if ctx.atomic:
        yield ctx.finding(
            "run-python-batching", "info",
            f"RunPython({name}) runs inside the migration's transaction: every row it updates stays locked "
            "(old code writing those rows waits) until the whole migration commits, and one long "
            "transaction may hit statement_timeout.",
            "For more than a few thousand rows: atomic = False on the Migration, and update in batches "
            "(e.g. 1,000 primary keys per `with transaction.atomic():` block).")
