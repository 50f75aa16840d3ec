"""The migration safety checker: Django migrations -> phases (pre / post / blocked) and findings.

Public API (used by the CLI and by djhelm.runtime): ``classify_loader`` and the model classes.
Imports only Django and the standard library (pglast is imported lazily, for RunSQL only).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from djhelm.safety.model import Finding, MigrationVerdict, Phase, Severity

if TYPE_CHECKING:
    from django.db.migrations.loader import MigrationLoader

__all__ = ["Finding", "MigrationVerdict", "Phase", "Severity", "classify_loader"]


def classify_loader(
    loader: MigrationLoader,
    app_labels: Collection[str] | None = None,
    only: Collection[tuple[str, str]] | None = None,
) -> list[MigrationVerdict]:
    """Judge the migrations of ``app_labels`` (default: the project's own apps) in dependency order.

    ``only`` narrows the judged set to those (app, name) keys; the rest of the graph is history.
    PLACEHOLDER until the checker lands: implemented in djhelm/safety/classify.py.
    """
    from djhelm.safety.classify import classify_loader as _classify

    return _classify(loader, app_labels, only)
