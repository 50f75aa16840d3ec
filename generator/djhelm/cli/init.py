"""CLI command: djhelm init — write a commented djhelm.yaml for an existing Django project."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from djhelm.cli._common import user_errors
from djhelm.errors import ConfigError, DjhelmError, OutputExistsError, ProjectError


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the whole new one, never a part."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _init(project_dir: Path, output: Path | None, force: bool) -> tuple[Path, list[str]]:
    # imported here: the config schema and jsonschema load only for `djhelm init`, not for every command
    from djhelm.config import parse_config
    from djhelm.project import read_project
    from djhelm.scaffold import build

    project = read_project(project_dir)
    target = output if output is not None else project_dir / "djhelm.yaml"
    if target.is_dir():
        raise DjhelmError(
            f"{target}: is a folder\n  fix: pass a file name, e.g. --output {target / 'djhelm.yaml'}"
        )
    if not target.parent.is_dir():
        raise DjhelmError(f"{target.parent}: no such folder\n  fix: create it, or choose another --output")
    if target.exists() and not force:
        raise OutputExistsError(
            f"{target}: already exists; djhelm init does not overwrite it\n"
            "  fix: pass --force to replace it, or --output to write somewhere else"
        )
    text = build(project, target)
    # The scaffold must be a valid config as written; if not, nothing is written, and the message must not
    # send the user to lines of a file that does not exist.
    try:
        parse_config(text, str(target))
    except ConfigError as error:
        details = "\n".join(f"  {problem.field}: {problem.message}" for problem in error.problems)
        raise ProjectError(
            f"{project_dir}: read values that djhelm.yaml cannot hold; nothing was written:\n{details}\n"
            "  fix: rename what is named above (Python module names are identifiers), or write djhelm.yaml "
            "by hand from examples/shop/djhelm.yaml"
        ) from None
    try:
        write_atomically(target, text)
    except OSError as error:
        raise DjhelmError(
            f"{target}: cannot write: {error.strerror}\n"
            "  fix: check the folder's permissions and free space, or choose --output"
        ) from None
    return target, list(project.notes)


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
        with user_errors():
            written, notes = _init(project_dir, output, force)
        typer.echo(f"wrote {written}")
        for note in notes:
            typer.echo(f"check: {note}", err=True)
        typer.echo("next: edit the lines marked TODO, then run `djhelm render` on it")
