"""Parse project files with `ast`, turning unreadable or invalid files into errors that name the file."""

from __future__ import annotations

import ast
from pathlib import Path

from djhelm.errors import Problem, ProjectError

MAX_SOURCE_BYTES = 2_000_000
MAX_TREE_DEPTH = 200


def parse_file(path: Path, shown_as: str) -> ast.Module:
    """The syntax tree of ``path``; ``shown_as`` is the name used in messages (relative to the project)."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ProjectError(Problem(shown_as, f"cannot read: {error.strerror}")) from None
    if len(raw) > MAX_SOURCE_BYTES:
        raise ProjectError(Problem(shown_as, "larger than 2 MB; is this really a Python source file?"))
    try:
        tree = ast.parse(raw, filename=shown_as)
    except SyntaxError as error:
        raise ProjectError(Problem(
            shown_as,
            f"invalid Python syntax ({error.msg})",
            line=error.lineno,
            fix=f"correct the file (`python -m py_compile {shown_as}` shows it) and run init again",
        )) from None
    except ValueError as error:  # e.g. NUL bytes in the source
        raise ProjectError(Problem(shown_as, f"not a Python source file ({error})")) from None
    except (RecursionError, MemoryError):  # expressions nested deeper than the parser's stack
        raise _too_deep(shown_as) from None
    # The readers walk trees recursively (ast.NodeVisitor); a tree this deep would exhaust Python's stack.
    if _depth_exceeds(tree, MAX_TREE_DEPTH):
        raise _too_deep(shown_as)
    return tree


def _too_deep(shown_as: str) -> ProjectError:
    return ProjectError(Problem(
        shown_as,
        f"too deeply nested for djhelm to read (an expression over {MAX_TREE_DEPTH} levels)",
        fix="split the deeply nested expression, or point DJANGO_SETTINGS_MODULE at a simpler file",
    ))


def _depth_exceeds(tree: ast.AST, limit: int) -> bool:
    pending = [(tree, 1)]
    while pending:
        node, depth = pending.pop()
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return False


def literal_str(node: ast.AST | None) -> str | None:
    """The value of a string constant, else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def literal_text(node: ast.AST | None) -> str | None:
    """A constant (str, int, float, bool) as the text an environment variable would hold, else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, bool):
        return "true" if node.value else "false"
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, int, float)):
        return str(node.value)
    return None


def dotted_name(node: ast.AST) -> str | None:
    """`a.b.c` for Name/Attribute chains, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def top_level_assignments(tree: ast.Module) -> dict[str, tuple[ast.expr, int]]:
    """Module-level `NAME = value` (last one wins, as at run time), with the line of each."""
    found: dict[str, tuple[ast.expr, int]] = {}
    for statement in tree.body:
        if isinstance(statement, ast.Assign):
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = (statement.value, statement.lineno)
        elif (
            isinstance(statement, ast.AnnAssign)
            and isinstance(statement.target, ast.Name)
            and statement.value
        ):
            found[statement.target.id] = (statement.value, statement.lineno)
    return found
