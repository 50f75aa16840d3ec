"""Which apps are "the project's own": the default set of apps the checker judges."""

from __future__ import annotations

import sysconfig
from collections.abc import Iterable
from pathlib import Path


def _installed_roots() -> list[Path]:
    import django

    roots = {Path(django.__file__).resolve().parent}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        value = sysconfig.get_paths().get(key)
        if value:
            roots.add(Path(value).resolve())
    return sorted(roots)


def _under(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def project_app_labels(migrated_apps: Iterable[str], project_dir: Path | None = None) -> set[str]:
    """Apps with migrations whose code lives under ``project_dir`` (or, without one, outside
    site-packages and Django itself: the heuristic djhelm.runtime relies on inside an image)."""
    from django.apps import apps

    roots = _installed_roots()
    labels: set[str] = set()
    for label in migrated_apps:
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        path = Path(config.path).resolve()
        if project_dir is not None:
            if _under(path, project_dir.resolve()) and not any(
                _under(path, r) and not _under(project_dir.resolve(), r) for r in roots
            ):
                labels.add(label)
        elif not any(_under(path, root) for root in roots):
            labels.add(label)
    return labels
