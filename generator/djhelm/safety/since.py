"""``--since GIT_REF``: the migration files added after a commit (committed since, staged or untracked)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from djhelm.errors import Problem, ProjectError, ToolMissingError


def _git(project_dir: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(project_dir), *args], capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        raise ToolMissingError("--since needs git on PATH") from None
    if done.returncode != 0:
        message = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "git failed"
        raise ProjectError(Problem(f"git {' '.join(args)} (in {project_dir})", message))
    return done.stdout


def added_files(project_dir: Path, ref: str) -> set[Path]:
    """Absolute paths of files added since ``ref`` (plus new untracked files, not yet committed)."""
    top = Path(_git(project_dir, "rev-parse", "--show-toplevel").strip())
    try:
        _git(project_dir, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except ProjectError:
        why, fix = _missing_hint(project_dir, ref)
        raise ProjectError(
            Problem(f"--since {ref!r}", f"no such commit in the git repository at {top}{why}", fix=fix)
        ) from None
    diff = _git(project_dir, "diff", "--name-only", "--diff-filter=A", "--no-renames", ref, "--")
    untracked = _git(project_dir, "ls-files", "--others", "--exclude-standard", "--full-name")
    names = [line for line in (diff + untracked).splitlines() if line.strip()]
    return {(top / name).resolve() for name in names}


def _missing_hint(project_dir: Path, ref: str) -> tuple[str, str]:
    """Why the commit may be missing (appended to the message), and the fix."""
    # CI checkouts are often shallow (one commit, no other branches): the deployed release is then
    # simply not there. Comparing needs that one commit only, not the history between.
    try:
        shallow = _git(project_dir, "rev-parse", "--is-shallow-repository").strip() == "true"
    except ProjectError:
        shallow = False
    fetch = f"git fetch --depth=1 origin {ref}"
    if shallow:
        return ("; this clone is shallow, so commits other than the checked-out one are missing",
                f"fetch that commit first ({fetch}), or check out with full history (actions/checkout: "
                "fetch-depth: 0)")
    return "", f"pass a commit, tag or branch that exists here (git log --oneline), or fetch it: {fetch}"


def repository_root(project_dir: Path) -> Path | None:
    """The git work tree holding ``project_dir``, or None when there is none (or no git)."""
    try:
        return Path(_git(project_dir, "rev-parse", "--show-toplevel").strip())
    except (ProjectError, ToolMissingError):
        return None
