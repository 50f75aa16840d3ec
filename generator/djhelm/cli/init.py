"""CLI command: djhelm init — write a commented djhelm.yaml for an existing Django project."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from djhelm.cli._common import user_errors


def register(app: typer.Typer) -> None:
    """Add `djhelm init` to the top-level app."""

    @app.command("init")
    def init(
        project_dir: Annotated[
            Path, typer.Argument(help="Folder with the project's manage.py.", metavar="PROJECT_DIR")
        ] = Path("."),
        output: Annotated[
            Path | None,
            typer.Option(
                "--output", "-o", help="Where to write (default: PROJECT_DIR/djhelm.yaml).", metavar="FILE"
            ),
        ] = None,
        force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    ) -> None:
        """Read a Django project (without importing it) and write a commented djhelm.yaml for it."""
        from djhelm.init.write import write_config

        with user_errors():
            written, notes = write_config(project_dir, output, force)
        typer.echo(f"wrote {written}")
        for note in notes:
            typer.echo(f"check: {note}", err=True)
        typer.echo("next: edit the lines marked TODO, then run `djhelm render` on it")
