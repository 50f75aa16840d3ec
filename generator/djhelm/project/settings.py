"""Read a settings module: the settings djhelm cares about and the environment it reads.

Settings are often split (``settings/__init__.py`` doing ``from .production import *``, which does
``from .base import *``), so star imports of project modules are followed, in order, like Python would.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from djhelm.errors import Problem, ProjectError
from djhelm.project.envreads import env_reads
from djhelm.project.locate import module_file, shown
from djhelm.project.model import EnvRead, Source
from djhelm.project.pysource import parse_file, top_level_assignments

MAX_STAR_IMPORTS = 20


@dataclass
class SettingsInfo:
    files: list[str] = field(default_factory=list)
    values: dict[str, tuple[ast.expr, Source]] = field(default_factory=dict)
    reads: list[EnvRead] = field(default_factory=list)


def _resolve_relative(module: str, level: int, name: str | None, is_package: bool) -> str:
    """The absolute module named by ``from <level dots><name> import *`` inside ``module``."""
    parts = module.split(".")
    # In a package's __init__, one dot means the package itself.
    drop = level - 1 if is_package else level
    base = parts[: len(parts) - drop] if drop else parts
    return ".".join([*base, name] if name else base)


def read_settings(root: Path, module: str) -> SettingsInfo:
    path = module_file(root, module)
    if path is None:
        tried = f"{module.replace('.', '/')}.py or {module.replace('.', '/')}/__init__.py"
        raise ProjectError(Problem(
            str(root / "manage.py"),
            f"DJANGO_SETTINGS_MODULE is '{module}', but neither {tried} exists under {root}",
            fix="point manage.py's DJANGO_SETTINGS_MODULE default at your settings module",
        ))
    info = SettingsInfo()
    _read_into(root, module, path, info, seen=set())
    return info


def _read_into(root: Path, module: str, path: Path, info: SettingsInfo, seen: set[Path]) -> None:
    if path in seen or len(seen) >= MAX_STAR_IMPORTS:
        return
    seen.add(path)
    file = shown(root, path)
    tree = parse_file(path, file)
    info.files.append(file)
    is_package = path.name == "__init__.py"
    for statement in tree.body:
        # Settings star-imported from project modules count as if written here, at this point.
        if isinstance(statement, ast.ImportFrom) and any(alias.name == "*" for alias in statement.names):
            target = (
                _resolve_relative(module, statement.level, statement.module, is_package)
                if statement.level
                else statement.module or ""
            )
            target_path = module_file(root, target)
            if target_path is not None:
                _read_into(root, target, target_path, info, seen)
            continue
        single = ast.Module(body=[statement], type_ignores=[])
        for name, (value, line) in top_level_assignments(single).items():
            info.values[name] = (value, Source(file, line))
    info.reads.extend(env_reads(tree, file))
    _read_helpers(root, module, tree, is_package, info, seen)


def _read_helpers(root: Path, module: str, tree: ast.Module, is_package: bool, info: SettingsInfo,
                  seen: set[Path]) -> None:
    """Environment reads of the project modules the settings import by name (pretalx builds its settings
    with `build_config()` from a module that reads PRETALX_DB_* and the rest): a variable read there is
    read at settings time too. Their assignments are not settings, and their own imports are not followed."""
    for statement in tree.body:
        if isinstance(statement, ast.ImportFrom) and not any(a.name == "*" for a in statement.names):
            targets = [_resolve_relative(module, statement.level, statement.module, is_package)
                       if statement.level else statement.module or ""]
        elif isinstance(statement, ast.Import):
            targets = [alias.name for alias in statement.names]
        else:
            continue
        for target in targets:
            helper = module_file(root, target) if target else None
            if helper is None or helper in seen or len(seen) >= MAX_STAR_IMPORTS:
                continue
            seen.add(helper)
            helper_file = shown(root, helper)
            info.files.append(helper_file)
            info.reads.extend(env_reads(parse_file(helper, helper_file), helper_file))
