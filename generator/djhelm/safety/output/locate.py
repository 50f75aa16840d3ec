"""Where things are in a migration file: display paths, and the line of each operation (via ast)."""

from __future__ import annotations

import ast
from functools import lru_cache
from pathlib import Path


def display_path(path: str | None, base: Path) -> str | None:
    if path is None:
        return None
    resolved = Path(path).resolve()
    try:
        return resolved.relative_to(base.resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


@lru_cache(maxsize=256)
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
