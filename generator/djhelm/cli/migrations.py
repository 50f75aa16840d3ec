"""CLI commands: djhelm migrations check."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from djhelm.cli._common import project_code_output, user_errors

app = typer.Typer(
    help="Judge Django migrations for zero-downtime deploys.", no_args_is_help=True, rich_markup_mode=None
)



@app.callback()
def _group() -> None:
    """Judge Django migrations for zero-downtime deploys."""


@app.command("check")
def check(
    project_dir: Annotated[
        Path, typer.Argument(help="Folder of the Django project (manage.py / djhelm.yaml); put on sys.path.",
                       metavar="PROJECT_DIR")
    ] = Path("."),
    settings: Annotated[
        str | None,
        typer.Option("--settings", metavar="MODULE",
                     help="Settings module (default: $DJANGO_SETTINGS_MODULE, "
                     "djhelm.yaml django.settingsModule, then manage.py)."),
    ] = None,
    apps: Annotated[
        list[str] | None,
        typer.Option("--app", metavar="LABEL", help="Judge only this app (repeatable; installed apps too)."),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", metavar="GIT_REF",
                     help="Judge only migration files added after this git ref."),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="text | json | sarif | github", metavar="FORMAT")
    ] = "text",
) -> None:
    """Classify migrations as pre (expand), post (contract) or blocked, without a database.

    Exit code 0: nothing blocked; 1: something is blocked; 2: the project could not be loaded.
    """
    from djhelm.errors import DjhelmError, ExitCode, InputError, InternalError, Problem

    with user_errors():
        from djhelm.safety.output import FORMATS, render

        if fmt not in FORMATS:
            choices = ", ".join(FORMATS)
            raise InputError(Problem("--format", f"unknown format {fmt!r}", fix=f"one of: {choices}"))
        from djhelm.safety.check import check_project

        try:
            with project_code_output():
                result = check_project(project_dir, settings, apps or (), since)
            verdicts = result.verdicts
            output = render(fmt, verdicts, _path_base(fmt, project_dir))
        except DjhelmError:
            raise
        except BaseException as error:  # a djhelm bug: one line, not a traceback
            raise InternalError(
                f"internal error while checking {project_dir}: {type(error).__name__}: {error} "
                "(please report it with the migration that triggers it)"
            ) from None
        typer.echo(output, nl=False)
    if not verdicts and not apps and since is None:
        # exit 0 on an empty judgement looks like a pass; say why nothing was judged
        typer.echo(
            f"warning: no migrations found under {project_dir.resolve()} to judge "
            "(apps outside PROJECT_DIR are only judged when named with --app)",
            err=True,
        )
    if result.other_engines:
        named = ", ".join(f"{alias} ({engine})" for alias, engine in sorted(result.other_engines.items()))
        typer.echo(
            f"note: the settings' databases {named} are not PostgreSQL; the migrations were judged as on "
            "PostgreSQL (code that branches on connection.vendor took its PostgreSQL path), the database "
            "djhelm's verdicts are about. No connection was opened.",
            err=True,
        )
    if result.unordered_history:
        count = len(result.unordered_history)
        first, culprit = result.unordered_history[0]
        typer.echo(
            f"note: without --since the whole history is judged as one release, so the order of expand and "
            f"contract migrations is not checked: {count} expand migration(s) come after contract ones "
            f"(first: {first[0]}.{first[1]} after {culprit[0]}.{culprit[1]}). In CI, pass --since <the "
            "deployed release's git ref> to judge the new migrations as the release they are.",
            err=True,
        )
    if any(v.phase == "blocked" for v in verdicts):
        raise typer.Exit(ExitCode.FINDINGS)


def _path_base(fmt: str, project_dir: Path) -> Path:
    """Code scanning (sarif) and workflow annotations (github) resolve paths from the repository root."""
    if fmt in ("sarif", "github"):
        from djhelm.safety.since import repository_root

        return repository_root(project_dir) or Path.cwd()
    return Path.cwd()


@app.command("rules")
def rules() -> None:
    """List every rule id the checker can report, with a one-line description."""
    from djhelm.safety.registry import all_rule_ids

    for rule_id, text in all_rule_ids().items():
        typer.echo(f"{rule_id:32} {text}")


def register(parent: typer.Typer) -> None:
    """Add the `djhelm migrations` group (check, rules) to the top-level app."""
    parent.add_typer(app, name="migrations")
