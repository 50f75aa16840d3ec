"""The `djhelm migrations check` pipeline: load the project, pick what to judge, classify."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from djhelm.errors import Problem, ProjectError
from djhelm.safety.classify import classify_loader, expand_after_contract, migration_path
from djhelm.safety.model import MigrationVerdict
from djhelm.safety.project import load_project


@dataclass(frozen=True)
class CheckResult:
    verdicts: list[MigrationVerdict]
    # Without --since the whole history is judged as one release, so an expand migration behind a contract
    # one (any project that dropped a column and later added one) is not an error: it is counted here.
    unordered_history: list[tuple[tuple[str, str], tuple[str, str]]] = field(default_factory=list)
    # alias -> engine the settings named, for databases judged as PostgreSQL instead
    other_engines: dict[str, str] = field(default_factory=dict)


def check_project(
    project_dir: Path,
    settings: str | None = None,
    apps: Sequence[str] = (),
    since: str | None = None,
) -> CheckResult:
    project = load_project(project_dir, settings)
    loader = project.loader
    migrated = set(loader.migrated_apps)
    if apps:
        unknown = sorted(set(apps) - migrated)
        if unknown:
            raise ProjectError(Problem(
                f"--app {', '.join(unknown)}",
                f"no such app with migrations in {project.settings_module}",
                fix=f"use one of the apps with migrations: {', '.join(sorted(migrated))}",
            ))
    # no --app: classify_loader judges the project's own apps (it works them out once, for both uses)
    labels: set[str] | None = set(apps) if apps else None
    only = None
    if since is not None:
        from djhelm.safety.since import added_files

        added = added_files(project.project_dir, since)
        only = set()
        for key, migration in loader.graph.nodes.items():
            path = migration_path(migration)
            if path is not None and Path(path).resolve() in added:
                only.add(key)
    # Files added since the ref are not deployed yet: tables they create do not exist in production.
    # Only then are the release's bounds known, and with them the order its migrations must keep.
    release_known = since is not None
    verdicts = classify_loader(
        loader,
        labels,
        only,
        project_dir=project.project_dir,
        only_is_pending=release_known,
        dependencies=release_known,
        listed_phases=_listed_phases(),
    )
    if release_known:
        return CheckResult(verdicts, other_engines=project.other_engines)
    judged = {verdict.key: verdict for verdict in verdicts}
    unordered = [
        (key, culprit)
        for key, culprit in expand_after_contract(loader.graph, list(judged), judged)
        if judged[key].emits_sql
    ]
    return CheckResult(verdicts, unordered, project.other_engines)


def _listed_phases() -> dict[tuple[str, str], str]:
    """settings.DJHELM_MIGRATIONS["PHASES"], read and checked as the deploy reads it."""
    from django.conf import settings

    from djhelm.runtime.migration_settings import ConfigError, load_config

    try:
        config = load_config(getattr(settings, "DJHELM_MIGRATIONS", None), environ={})
    except ConfigError as error:
        raise ProjectError(Problem(f"settings module {settings.SETTINGS_MODULE}", str(error))) from None
    return dict(config.phases)
