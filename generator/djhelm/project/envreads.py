"""Find the environment variables a settings file reads, without running it.

Understood forms: ``os.environ["X"]``, ``os.environ.get("X", d)``, ``os.environ.setdefault("X", d)``,
``os.getenv("X", d)`` (and the same through ``from os import environ, getenv``), django-environ
(``env("X", default=d)``, ``env.bool("X")``, ``env.db()``...), python-decouple's ``config("X", default=d)``,
``dj_database_url.config(env="X")``, and small helpers defined in the same file whose first parameter is
the variable name (``def env_bool(name, default=False): return os.environ.get(name, ...)``).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from djhelm.project.model import EnvRead, Source
from djhelm.project.pysource import dotted_name, literal_str, literal_text

_ENVIRON = {"os.environ", "environ"}
_GETENV = {"os.getenv", "getenv"}
# django-environ readers that take no name and fall back to a conventional variable.
_ENVIRON_DEFAULT_VAR = {
    "db": "DATABASE_URL",
    "db_url": "DATABASE_URL",
    "cache": "CACHE_URL",
    "cache_url": "CACHE_URL",
    "email": "EMAIL_URL",
    "email_url": "EMAIL_URL",
    "search_url": "SEARCH_URL",
}
_ENVIRON_METHODS = {
    "str",
    "bool",
    "int",
    "float",
    "list",
    "tuple",
    "dict",
    "json",
    "url",
    "path",
    "bytes",
    "parse_value",
    *_ENVIRON_DEFAULT_VAR,
}


@dataclass(frozen=True)
class _Helper:
    required: bool
    default: str | None


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((kw.value for kw in call.keywords if kw.arg == name), None)


def _default_of(call: ast.Call, positional: int | None = None) -> tuple[bool, str | None]:
    """(has a default, its literal text) from ``default=`` or, if given, the argument at ``positional``."""
    node = _keyword(call, "default")
    if node is None and positional is not None and len(call.args) > positional:
        node = call.args[positional]
    return node is not None, literal_text(node) if node is not None else None


# Pairs of spellings a settings file may compare against or default to: the second reads as "off".
_SPELLINGS = {"true": "false", "false": "false", "1": "0", "0": "0", "yes": "no", "no": "no", "on": "off",
              "off": "off", "y": "n", "n": "n"}
_PYTHON_LITERAL_PARSERS = {"literal_eval", "ast.literal_eval", "eval"}


def _false_spelling(literal: str | None) -> str | None:
    """The "off" spelling of the family ``literal`` belongs to, in its case (True -> False, yes -> no)."""
    if literal is None:
        return None
    text = literal.strip("'\"")
    found = _SPELLINGS.get(text.lower())
    if found is None:
        return None
    if text[:1].isupper() and text[1:].islower():
        return found.capitalize()
    return found.upper() if text.isupper() and len(text) > 1 else found


def _contexts(tree: ast.Module) -> tuple[dict[int, str], set[str]]:
    """(id of a call -> what consumes its value: the parsing function's name or "==<literal>", names
    tested for presence before they are read: `"X" in os.environ`, `if os.getenv("X"):`)."""
    consumers: dict[int, str] = {}
    guarded: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            outer = dotted_name(node.func) or ""
            for arg in node.args:
                if isinstance(arg, ast.Call):
                    consumers[id(arg)] = outer
        elif isinstance(node, ast.Compare) and len(node.ops) == 1:
            left, right = node.left, node.comparators[0]
            if isinstance(node.ops[0], (ast.In, ast.NotIn)) and dotted_name(right) in _ENVIRON:
                name = literal_str(left)
                if name:
                    guarded.add(name)
            elif isinstance(node.ops[0], (ast.Eq, ast.NotEq)) and isinstance(left, (ast.Call, ast.Subscript)):
                text = literal_text(right)
                if text is not None:
                    consumers[id(left)] = f"=={text}"
        elif isinstance(node, (ast.If, ast.IfExp)) and isinstance(node.test, ast.Call):
            func = dotted_name(node.test.func) or ""
            owner, _, method = func.rpartition(".")
            if (func in _GETENV or (owner in _ENVIRON and method == "get")) and node.test.args:
                name = literal_str(node.test.args[0])
                if name:
                    guarded.add(name)
    return consumers, guarded


class _Collector(ast.NodeVisitor):
    def __init__(
        self, file: str, environ_objects: set[str], decouple_names: set[str], helpers: dict[str, _Helper],
        contexts: tuple[dict[int, str], set[str]] = ({}, set()),
    ) -> None:
        self.file = file
        self.environ_objects = environ_objects
        self.decouple_names = decouple_names
        self.helpers = helpers
        self.consumers, self.guarded = contexts
        self.reads: list[EnvRead] = []

    def _add(
        self, name: str | None, node: ast.AST, default: str | None = None, required: bool = False,
        parsed_as: str = "",
    ) -> None:
        if not name:
            return
        consumer = parsed_as or self.consumers.get(id(node), "")
        if consumer == "env.bool":
            false_value: str | None = "false"  # django-environ: anything but its true spellings is off
        elif consumer == "cast=bool":
            false_value = "False"  # decouple's strtobool raises outside yes/no/true/false/on/off/1/0
        elif consumer in _PYTHON_LITERAL_PARSERS:
            false_value = "False"  # ast.literal_eval("false") raises
        elif consumer == "bool":
            false_value = ""  # bool("false") is True: only the empty string is off
        elif consumer == "int":
            false_value = "0"
        elif consumer.startswith("=="):
            false_value = _false_spelling(consumer[2:])
        else:
            false_value = _false_spelling(default)
        self.reads.append(EnvRead(name, Source(self.file, getattr(node, "lineno", 0)), default,
                                  required and name not in self.guarded, false_value))

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if isinstance(node.ctx, ast.Load) and dotted_name(node.value) in _ENVIRON:
            self._add(literal_str(node.slice), node, required=True)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = dotted_name(node.func) or ""
        first = literal_str(node.args[0]) if node.args else None
        owner, _, method = func.rpartition(".")
        if func in _GETENV or (owner in _ENVIRON and method in {"get", "setdefault"}):
            _, default = _default_of(node, 1)
            self._add(first, node, default)
        elif func == "dj_database_url.config" or func.rpartition(".")[2] == "databases_from_env":
            # djhelm.runtime's helper reads DATABASE_URL (and the chart's replica variables).
            name = literal_str(_keyword(node, "env")) or "DATABASE_URL"
            has_default, default = _default_of(node)
            self._add(name, node, default, required=not has_default)
        elif func in self.decouple_names or func in self.environ_objects:
            has_default, default = _default_of(node)
            cast_node = _keyword(node, "cast")
            cast = dotted_name(cast_node) if cast_node is not None else ""
            self._add(first, node, default, required=not has_default,
                      parsed_as="cast=bool" if cast == "bool" else "")
        elif owner in self.environ_objects and method in _ENVIRON_METHODS:
            has_default, default = _default_of(node)
            variable = first or (_ENVIRON_DEFAULT_VAR.get(method) if not node.args else None)
            self._add(variable, node, default, required=not has_default,
                      parsed_as="env.bool" if method == "bool" else "")
        elif func in self.helpers:
            helper = self.helpers[func]
            has_default, default = _default_of(node, 1)
            self._add(
                first,
                node,
                default if has_default else helper.default,
                required=helper.required and not has_default,
            )
        self.generic_visit(node)


def _environ_objects(tree: ast.Module) -> set[str]:
    """Names bound to a django-environ ``Env(...)`` object (``env = environ.Env()``), and ``env``."""
    names = {"env"}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and (dotted_name(node.value.func) or "").split(".")[-1] == "Env"
        ):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def _decouple_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "decouple":
            names.update(alias.asname or alias.name for alias in node.names if alias.name == "config")
    return names


def _helpers(tree: ast.Module) -> dict[str, _Helper]:
    """Module-level functions that read the variable named by their first parameter."""
    helpers: dict[str, _Helper] = {}
    for statement in tree.body:
        if not isinstance(statement, ast.FunctionDef) or not statement.args.args:
            continue
        param = statement.args.args[0].arg
        reads_env = required = False
        for node in ast.walk(statement):
            if isinstance(node, ast.Subscript) and dotted_name(node.value) in _ENVIRON:
                if isinstance(node.slice, ast.Name) and node.slice.id == param:
                    reads_env = required = True
            elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Name):
                func = dotted_name(node.func) or ""
                owner, _, method = func.rpartition(".")
                if node.args[0].id == param and (func in _GETENV or (owner in _ENVIRON and method == "get")):
                    reads_env = True
        if reads_env:
            defaults = statement.args.defaults
            # The signature's default for the second parameter, when it is a literal.
            second_default = None
            if len(statement.args.args) >= 2 and len(defaults) >= len(statement.args.args) - 1:
                second_default = literal_text(defaults[len(defaults) - (len(statement.args.args) - 1)])
            helpers[statement.name] = _Helper(required and second_default is None, second_default)
    return helpers


def env_reads(tree: ast.Module, file: str) -> list[EnvRead]:
    """Every environment read in ``tree``, in source order (a variable may appear more than once)."""
    collector = _Collector(file, _environ_objects(tree), _decouple_names(tree), _helpers(tree),
                           _contexts(tree))
    collector.visit(tree)
    return sorted(collector.reads, key=lambda read: read.source.line)


def merge_reads(reads: list[EnvRead]) -> tuple[EnvRead, ...]:
    """One entry per variable: first place, first literal default, required if any read requires it."""
    merged: dict[str, EnvRead] = {}
    for read in reads:
        known = merged.get(read.name)
        if known is None:
            merged[read.name] = read
        else:
            merged[read.name] = EnvRead(
                known.name,
                known.source,
                known.default if known.default is not None else read.default,
                known.required or read.required,
                known.false_value if known.false_value is not None else read.false_value,
            )
    return tuple(merged.values())
