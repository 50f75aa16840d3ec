"""Find a project's files the way Python would: manage.py's folder is the import root."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from djhelm.errors import Problem, ProjectError
from djhelm.project.pysource import dotted_name, literal_str

# Folders that never hold the project's own code; walking them would be slow and misleading.
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".venv",
        "venv",
        "env",
        ".env",
        ".tox",
        ".nox",
        "node_modules",
        "__pycache__",
        "site-packages",
        "staticfiles",
        "media",
        "build",
        "dist",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
    }
)
MAX_DEPTH = 6


def walk_python_files(root: Path, max_depth: int = MAX_DEPTH) -> Iterator[Path]:
    """Every .py file under ``root`` in a stable order, skipping tool and dependency folders."""

    def visit(folder: Path, depth: int) -> Iterator[Path]:
        try:
            entries = sorted(folder.iterdir())
        except OSError:
            return
        for entry in entries:
            if entry.is_symlink():
                continue
            if entry.is_dir():
                if depth < max_depth and entry.name not in SKIP_DIRS and not entry.name.startswith("."):
                    yield from visit(entry, depth + 1)
            elif entry.suffix == ".py":
                yield entry

    yield from visit(root, 0)


def require_manage_py(root: Path) -> Path:
    if not root.is_dir():
        raise ProjectError(
            Problem(str(root), "no such folder", fix="pass the folder that contains your project's manage.py")
        )
    manage = root / "manage.py"
    if manage.is_file():
        return manage
    nearby = sorted(path.parent for path in walk_python_files(root, max_depth=2) if path.name == "manage.py")
    hint = f"; found one in {nearby[0]}" if nearby else ""
    raise ProjectError(Problem(
        str(manage),
        f"not found; djhelm init reads the project from the folder that holds manage.py{hint}",
        fix=f"run `djhelm init {nearby[0] if nearby else 'PATH/TO/PROJECT'}`",
    ))


def settings_default_in_manage_py(tree: ast.Module) -> str | None:
    """The DJANGO_SETTINGS_MODULE default that manage.py sets (setdefault or a plain assignment), if any."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "setdefault"
            and dotted_name(node.func.value) in {"os.environ", "environ"}
            and len(node.args) == 2
            and literal_str(node.args[0]) == "DJANGO_SETTINGS_MODULE"
        ):
            value = literal_str(node.args[1])
            if value:
                return value
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if (
                    isinstance(target, ast.Subscript)
                    and dotted_name(target.value) in {"os.environ", "environ"}
                    and literal_str(target.slice) == "DJANGO_SETTINGS_MODULE"
                ):
                    value = literal_str(node.value)
                    if value:
                        return value
    return None


def settings_module_in_manage_py(tree: ast.Module, shown_as: str) -> str:
    """The DJANGO_SETTINGS_MODULE default that manage.py sets; a ProjectError when it sets none."""
    found = settings_default_in_manage_py(tree)
    if found is not None:
        return found
    raise ProjectError(Problem(
        shown_as,
        "does not set a default DJANGO_SETTINGS_MODULE",
        fix='add `os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yourproject.settings")` to manage.py '
        "(as `django-admin startproject` does)",
    ))


def module_file(root: Path, module: str) -> Path | None:
    """The file that ``import module`` would load with ``root`` on sys.path, or None."""
    base = root.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def module_name(root: Path, path: Path) -> str:
    """The dotted module name of ``path`` (a .py file under ``root``)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def shown(root: Path, path: Path) -> str:
    """``path`` relative to the project folder, with forward slashes, for messages and comments."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
