"""RunPython: code djhelm cannot see (sqlmigrate cannot either). The author must declare its phase.

Undeclared: blocked, with a finding saying how to declare it; in an installed package's app, whose file
the project cannot edit, trusted as pre with a warning that says how to list its phase in the settings.
In an atomic migration, every row the function updates stays locked until the migration commits: a
remark (info, since djhelm cannot know how many rows) to batch large backfills.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db import migrations

from djhelm.safety.context import OperationContext
from djhelm.safety.model import Finding
from djhelm.safety.registry import rule

IDS = {
    "run-python-undeclared": "RunPython without a declared phase: djhelm cannot see what it does.",
    "run-python-third-party": "RunPython of an installed package: trusted as pre unless listed in settings.",
    "run-python-batching": "RunPython in an atomic migration holds every row lock until the end.",
}


def _name(code: object) -> str:
    return str(getattr(code, "__qualname__", None) or getattr(code, "__name__", None) or repr(code))


@rule(migrations.RunPython, ids=IDS)
def check_run_python(ctx: OperationContext) -> Iterator[Finding]:
    op = ctx.operation
    name = _name(op.code)
    key = f"{ctx.app_label}.{ctx.migration_name}"
    if ctx.overrides.declared is None and ctx.third_party:
        yield ctx.finding(
            "run-python-third-party", "warning",
            f"RunPython({name}) comes with the installed app {ctx.app_label!r}: djhelm cannot see what it "
            "does and its file cannot be annotated, so it is trusted as pre, which is how the package's "
            "author expects it to run (with `migrate`, before the new code serves); the deploy does the "
            "same (THIRD_PARTY: \"pre\").",
            "If it must wait until the old code is gone, list it in the settings:\n"
            f'DJHELM_MIGRATIONS = {{"PHASES": {{"{key}": "post"}}}}')
    elif ctx.overrides.declared is None:
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
