"""CLI command: djhelm render CONFIG --output DIR [--check]."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from djhelm.cli._common import user_errors
from djhelm.errors import ExitCode, InputError, Problem


def render(
    config: Annotated[
        Path, typer.Argument(help="Path of djhelm.yaml.", show_default=False, metavar="CONFIG")
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Chart directory to write (replaced whole).", metavar="DIR")
    ],
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 and print a diff when DIR is out of date.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Replace DIR even if it holds files djhelm did not generate.")
    ] = False,
) -> None:
    """Render the Helm chart for a Django project from its djhelm.yaml."""
    # Imported here so other djhelm commands do not pay for jsonschema and Jinja at start-up.
    from djhelm.chart import chart_drift, render_chart, write_chart
    from djhelm.config import load_config

    with user_errors():
        loaded = load_config(config)
        # Generated files name their source relative to the chart, so the bytes do not depend on the cwd.
        label = Path(os.path.relpath(config.absolute(), output.absolute())).as_posix()
        files = render_chart(loaded, config_label=label)
        if check:
            diff = chart_drift(files, output)
            if diff:
                typer.echo(diff, nl=False)
                typer.echo(
                    f"{output}: out of date with {config}; run `djhelm render {config} --output {output}`",
                    err=True,
                )
                raise typer.Exit(ExitCode.FINDINGS)
            typer.echo(f"{output}: up to date", err=True)
            return
        if config.resolve().is_relative_to(output.resolve()):
            # Replacing the folder that holds djhelm.yaml would delete the project, --force or not.
            raise InputError(
                Problem(
                    str(output),
                    f"contains {config}; the chart directory is replaced as a whole",
                    fix="write the chart to its own folder, e.g. --output charts/<name>",
                )
            )
        write_chart(files, output, force=force)
        typer.echo(f"wrote {len(files)} files to {output}", err=True)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the top-level app."""
    app.command("render")(render)
