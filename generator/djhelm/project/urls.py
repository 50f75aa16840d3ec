"""Find health-check URLs in the URLconf (ROOT_URLCONF and the modules it includes)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from djhelm.project.locate import module_file, shown
from djhelm.project.model import HealthPaths
from djhelm.project.pysource import dotted_name, literal_str, parse_file

_ROUTE_FUNCS = {"path", "re_path", "url", "django.urls.path", "django.urls.re_path"}
_READY = re.compile(r"ready|readiness", re.IGNORECASE)
_LIVE = re.compile(r"live|alive|liveness|ping", re.IGNORECASE)
_GENERIC = re.compile(r"health|status", re.IGNORECASE)
# What a probe path may hold (the config schema's rule): visible ASCII, no spaces, no line breaks.
_PROBE_PATH = re.compile(r"/[!-~]*\Z")
MAX_INCLUDE_DEPTH = 3


def _route_to_path(route: str, regex: bool) -> str | None:
    """A fixed URL path for a route, or None when it has parameters (a probe needs one exact path)."""
    if regex:
        route = route.removeprefix("^").removesuffix("$").replace("\\", "")
        if re.search(r"[()\[\]*+?{}|]", route):
            return None
    elif "<" in route:
        return None
    return "/" + route


def _is_route(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and dotted_name(node.func) in _ROUTE_FUNCS and bool(node.args)


def _outer_routes(tree: ast.AST) -> list[ast.Call]:
    """Route calls not inside another route call: a route under `include([...])` belongs to its parent's
    prefix (which may have parameters), never to the module's root."""
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call) and _is_route(node)]
    nested = {id(child) for call in calls for child in ast.walk(call) if child is not call}
    return [call for call in calls if id(call) not in nested]


def _routes(root: Path, module: str, prefix: str, depth: int, found: list[tuple[str, str]]) -> None:
    path = module_file(root, module)
    if path is None or depth > MAX_INCLUDE_DEPTH:
        return
    file = shown(root, path)
    _add_routes(root, _outer_routes(parse_file(path, file)), file, prefix, depth, found)


def _add_routes(root: Path, calls: list[ast.Call], file: str, prefix: str, depth: int,
                found: list[tuple[str, str]]) -> None:
    for node in calls:
        route = literal_str(node.args[0])
        if route is None:
            continue
        is_regex = dotted_name(node.func) not in ("path", "django.urls.path")
        fixed = _route_to_path(route, is_regex)
        if fixed is None:
            continue  # a parameter: nothing below it has one exact path either
        target = node.args[1] if len(node.args) > 1 else None
        if isinstance(target, ast.Call) and dotted_name(target.func) in {"include", "django.urls.include"}:
            argument = target.args[0] if target.args else None
            included = literal_str(argument) if argument is not None else None
            if included:
                _routes(root, included, prefix + fixed.lstrip("/"), depth + 1, found)
            elif isinstance(argument, (ast.List, ast.Tuple)) and depth < MAX_INCLUDE_DEPTH:
                _add_routes(root, _outer_routes(argument), file, prefix + fixed.lstrip("/"), depth + 1, found)
            continue
        found.append(("/" + prefix + fixed.lstrip("/"), file))


def fixed_routes(root: Path, urlconf: str | None) -> list[str]:
    """Every route without parameters, in URLconf order (what `djhelm rehearse` requests by default)."""
    if not urlconf:
        return []
    found: list[tuple[str, str]] = []
    _routes(root, urlconf, "", 0, found)
    return list(dict.fromkeys(path for path, _ in found if _PROBE_PATH.match(path)))


def find_health_paths(root: Path, urlconf: str | None) -> HealthPaths:
    if not urlconf:
        return HealthPaths(None, None, "")
    found: list[tuple[str, str]] = []
    _routes(root, urlconf, "", 0, found)
    found = [(path, file) for path, file in found if _PROBE_PATH.match(path)]
    ready = next(((p, f) for p, f in found if _READY.search(p)), None)
    live = next(((p, f) for p, f in found if _LIVE.search(p) and not _READY.search(p)), None)
    if ready is None:
        # A lone /health/ endpoint usually checks the database too: safe as readiness, not as liveness.
        ready = next(((p, f) for p, f in found if _GENERIC.search(p)), None)
    source = (ready or live or ("", ""))[1]
    return HealthPaths(ready[0] if ready else None, live[0] if live else None, source)
