"""Where things are in a migration file: display paths, and the line of each operation (via ast)."""

from __future__ import annotations

import ast
import os
from functools import cache
from pathlib import Path


@cache
def _real_directory(directory: str) -> str:
    # Resolving each path walks every component (a syscall each); a project has far fewer migration
    # folders than migration files.
    return os.path.realpath(directory)


def display_path(path: str | None, base: Path) -> str | None:
    """``path`` with symlinks resolved, relative to ``base`` when under it, with forward slashes."""
    if path is None:
        return None
    directory, name = os.path.split(os.path.abspath(path))
    real = os.path.realpath(path) if os.path.islink(path) else os.path.join(_real_directory(directory), name)
    prefix = _real_directory(str(base)).rstrip(os.sep) + os.sep
    if real.startswith(prefix):
        real = real[len(prefix) :]
    return real.replace(os.sep, "/")


@cache
def operation_lines(path: str) -> tuple[int, tuple[int, ...]]:
    """(line of ``class Migration``, line of each element of its ``operations`` list)."""
    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8"), filename=path)
    except (OSError, SyntaxError, ValueError):
        return 1, ()
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == "Migration":
            for statement in node.body:
                targets: list[ast.expr] = []
                if isinstance(statement, ast.Assign):
                    targets = statement.targets
                    value = statement.value
                elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
                    targets = [statement.target]
                    value = statement.value
                else:
                    continue
                if any(isinstance(t, ast.Name) and t.id == "operations" for t in targets):
                    if isinstance(value, (ast.List, ast.Tuple)):
                        return node.lineno, tuple(element.lineno for element in value.elts)
                    return node.lineno, ()
            return node.lineno, ()
    return 1, ()


def line_of(path: str | None, operation: int | None) -> int:
    if path is None:
        return 1
    class_line, lines = operation_lines(path)
    if operation is not None and 0 <= operation < len(lines):
        return lines[operation]
    return class_line
