"""`djhelm init` as one call: read the project, build djhelm.yaml, check it parses as a config, write it
atomically. The CLI parses its arguments and prints what this returns."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from djhelm.errors import ConfigError, InputError, OutputExistsError, Problem, ProjectError


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


def write_config(project_dir: Path, output: Path | None, force: bool) -> tuple[Path, list[str]]:
    """(the file written, the notes for the user)."""
    # imported here: the config schema and jsonschema load only for `djhelm init`, not for every command
    from djhelm.config import parse_config
    from djhelm.init.build import build
    from djhelm.project import read_project

    project = read_project(project_dir)
    target = output if output is not None else project_dir / "djhelm.yaml"
    if target.is_dir():
        raise InputError(
            Problem(
                str(target),
                "is a folder",
                "--output",
                fix=f"pass a file name, e.g. --output {target / 'djhelm.yaml'}",
            )
        )
    if not target.parent.is_dir():
        raise InputError(
            Problem(
                str(target.parent), "no such folder", "--output", fix="create it, or choose another --output"
            )
        )
    if target.exists() and not force:
        raise OutputExistsError(
            Problem(
                str(target),
                "already exists; djhelm init does not overwrite it",
                fix="pass --force to replace it, or --output to write somewhere else",
            )
        )
    text = build(project, target)
    # The scaffold must be a valid config as written; if not, nothing is written, and the message must not
    # send the user to lines of a file that does not exist.
    try:
        parse_config(text, str(target))
    except ConfigError as error:
        details = "; ".join(f"{problem.field}: {problem.message}" for problem in error.problems)
        raise ProjectError(Problem(
            str(project_dir),
            f"read values that djhelm.yaml cannot hold, so nothing was written ({details})",
            fix="rename what is named above (Python module names are identifiers), or write djhelm.yaml by "
            "hand from examples/shop/djhelm.yaml",
        )) from None
    try:
        write_atomically(target, text)
    except OSError as error:
        raise InputError(
            Problem(
                str(target),
                f"cannot write: {error.strerror}",
                "--output",
                fix="check the folder's permissions and free space, or choose --output",
            )
        ) from None
    return target, list(project.notes)
