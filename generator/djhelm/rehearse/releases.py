"""The two releases of a rehearsal: folders as given, or git refs checked out into temporary worktrees."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from djhelm.errors import InputError, Problem


@dataclass(frozen=True)
class Release:
    label: str  # "from" or "to"
    ref: str  # what the user named: a git ref or a folder
    project: Path  # the folder holding manage.py, in this release
    python: Path  # the interpreter that runs this release's code

    @property
    def bin(self) -> Path:
        """Where the release's console scripts (gunicorn, uvicorn, celery) live: beside its Python."""
        return self.python.parent


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=False)


@contextmanager
def checked_out(
    project_dir: Path, ref: str, label: str, python: Path | None, workdir: Path
) -> Iterator[Release]:
    """``ref`` as a Release: an existing folder is used in place; anything else is a git ref of the
    repository holding ``project_dir``, checked out (detached) into ``workdir`` for the block's duration."""
    interpreter = (python or Path(sys.executable)).absolute()
    option = f"--{label}"
    if not interpreter.exists():
        raise InputError(
            Problem(
                str(interpreter),
                "no such Python interpreter",
                option.replace("--", "--python-"),
                fix="pass the python of the virtualenv that runs this release",
            )
        )
    folder = Path(ref)
    if folder.is_dir():
        if not (folder / "manage.py").is_file():
            raise InputError(
                Problem(
                    str(folder),
                    "has no manage.py",
                    option,
                    fix="name the folder that holds the release's manage.py, or a git ref",
                )
            )
        yield Release(label, ref, folder.resolve(), interpreter)
        return
    top = _git(project_dir, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise InputError(
            Problem(
                str(project_dir),
                f"{ref!r} is not a folder, and {project_dir} is not in a git repository",
                option,
                fix="name a folder holding manage.py, or a git ref",
            )
        )
    root = Path(top.stdout.strip())
    commit = _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if commit.returncode != 0:
        raise InputError(
            Problem(
                str(root),
                f"no commit named {ref!r}",
                option,
                fix="name a branch, tag or commit of this repository (git log --oneline)",
            )
        )
    inside = project_dir.resolve().relative_to(root.resolve())
    target = workdir / label
    added = _git(root, "worktree", "add", "--detach", "--force", str(target), commit.stdout.strip())
    if added.returncode != 0:
        raise InputError(Problem(str(root), f"git worktree add failed: {added.stderr.strip()}", option))
    try:
        project = target / inside
        if not (project / "manage.py").is_file():
            raise InputError(
                Problem(
                    f"{ref}:{inside.as_posix() or '.'}",
                    "has no manage.py at this ref",
                    option,
                    fix="name a ref where the project exists",
                )
            )
        yield Release(label, ref, project, interpreter)
    finally:
        _git(root, "worktree", "remove", "--force", str(target))
