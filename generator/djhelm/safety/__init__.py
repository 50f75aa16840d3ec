"""The migration safety checker: Django migrations -> phases (pre / post / blocked) and findings.

Public API (used by the CLI and by djhelm.runtime): ``classify_loader`` and the model classes.
Imports only Django and the standard library (pglast is imported lazily, for RunSQL only).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from djhelm.safety.model import Effect, Finding, MigrationVerdict, Phase, Severity

if TYPE_CHECKING:
    from django.db.migrations.loader import MigrationLoader

__all__ = ["Effect", "Finding", "MigrationVerdict", "Phase", "Severity", "classify_loader"]


def classify_loader(
    loader: MigrationLoader,
    app_labels: Collection[str] | None = None,
    only: Collection[tuple[str, str]] | None = None,
    *,
    project_dir: Path | None = None,
    dependencies: bool = True,
    only_is_pending: bool = False,
    listed_phases: Mapping[tuple[str, str], str] | None = None,
) -> list[MigrationVerdict]:
    """Judge the migrations of ``app_labels`` in dependency order.

    ``app_labels`` None: the project's own apps (under ``project_dir`` when given, else every app
    outside site-packages and Django). ``only`` narrows the judged set to those (app, name) keys; the
    rest of the graph is history (replayed for model state, not judged). ``only_is_pending``: ``only``
    lists unapplied migrations (a release), so a table one of them creates is empty and unknown to the
    old code in the later ones, and the field/index/removal rules leave it alone. ``dependencies``: a pre
    migration depending on a judged post migration becomes blocked (rule ``depends-on-post``).
    ``listed_phases``: (app, name) -> "pre" | "post" from ``settings.DJHELM_MIGRATIONS["PHASES"]``, the
    declaration of a file the project cannot edit; such a migration is judged whatever its app.
    Needs django.setup() done; never touches a database. Raises djhelm.errors.ProjectError for a
    migration whose operations cannot be replayed.
    """
    from djhelm.safety.classify import classify_loader as _classify

    return _classify(
        loader, app_labels, only, project_dir=project_dir, dependencies=dependencies,
        only_is_pending=only_is_pending, listed_phases=listed_phases,
    )
