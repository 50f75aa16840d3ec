"""Find a Celery app: a module that creates ``Celery(...)`` and binds it to a name."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from djhelm.project.locate import module_name, shown, walk_python_files
from djhelm.project.model import CeleryApp, Source
from djhelm.project.pysource import dotted_name, parse_file

_MENTIONS_CELERY = re.compile(rb"\bCelery\s*\(")


def _app_binding(tree: ast.Module) -> tuple[str, int] | None:
    for statement in tree.body:
        if (
            isinstance(statement, ast.Assign)
            and isinstance(statement.value, ast.Call)
            and (dotted_name(statement.value.func) or "").split(".")[-1] == "Celery"
        ):
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    return target.id, statement.lineno
    return None


def _beat_in_module(tree: ast.Module) -> bool:
    """``app.conf.beat_schedule = ...`` or ``app.conf.update(beat_schedule=...)`` in the Celery module."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
            (dotted_name(t) or "").endswith("beat_schedule") for t in node.targets
        ):
            return True
        if isinstance(node, ast.Call) and any(kw.arg == "beat_schedule" for kw in node.keywords):
            return True
        if isinstance(node, ast.FunctionDef) and node.name == "setup_periodic_tasks":
            return True
    return False


def find_celery_app(
    root: Path, settings_package: str, settings_has_beat: bool, beat_app_installed: bool
) -> CeleryApp | None:
    """The project's Celery app; with several, the one beside the settings package wins."""
    candidates: list[tuple[int, str, CeleryApp]] = []
    for path in walk_python_files(root):
        try:
            if not _MENTIONS_CELERY.search(path.read_bytes()):
                continue
        except OSError:
            continue
        file = shown(root, path)
        tree = parse_file(path, file)
        binding = _app_binding(tree)
        if binding is None:
            continue
        name, line = binding
        module = module_name(root, path)
        if settings_has_beat:
            beat, reason = True, "the settings define CELERY_BEAT_SCHEDULE"
        elif beat_app_installed:
            beat, reason = True, "django_celery_beat is in INSTALLED_APPS"
        elif _beat_in_module(tree):
            beat, reason = True, f"{file} defines a beat schedule"
        else:
            beat, reason = False, "no beat schedule found"
        rank = (0 if module.split(".")[0] == settings_package else 2) + (0 if path.name == "celery.py" else 1)
        candidates.append((rank, module, CeleryApp(f"{module}:{name}", Source(file, line), beat, reason)))
    return min(candidates, key=lambda c: (c[0], c[1]))[2] if candidates else None
