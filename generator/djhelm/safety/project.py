"""Load a Django project's migration graph for the CLI, without touching its database.

Settings module: --settings, else $DJANGO_SETTINGS_MODULE, else djhelm.yaml (django.settingsModule, read by
the config loader), else the one manage.py sets (read as init reads it, from its syntax tree). Every failure
becomes a ProjectError naming the file: no tracebacks.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from djhelm.config import load_django_section
from djhelm.errors import Problem, ProjectError
from djhelm.project.locate import settings_default_in_manage_py
from djhelm.project.pysource import parse_file


@dataclass(frozen=True)
class LoadedProject:
    project_dir: Path
    settings_module: str
    settings_source: str
    loader: Any  # django.db.migrations.loader.MigrationLoader
    # alias -> engine the settings named, for databases judged as PostgreSQL instead (see safety.vendor)
    other_engines: dict[str, str] = field(default_factory=dict)


def _from_djhelm_yaml(project_dir: Path) -> tuple[str | None, Path | None]:
    path = project_dir / "djhelm.yaml"
    if not path.is_file():
        return None, None
    django_section = load_django_section(path)
    if django_section is None:
        return None, None
    sub = django_section.get("projectDir")
    return django_section["settingsModule"], (project_dir / sub).resolve() if sub else None


def _from_manage_py(project_dir: Path) -> str | None:
    path = project_dir / "manage.py"
    if not path.is_file():
        return None
    return settings_default_in_manage_py(parse_file(path, str(path)))


def resolve_settings(project_dir: Path, explicit: str | None) -> tuple[str, str, list[Path]]:
    """(module, where it came from, directories to put on sys.path)."""
    paths = [project_dir]
    yaml_module, code_dir = _from_djhelm_yaml(project_dir)
    if code_dir is not None and code_dir != project_dir:
        paths.insert(0, code_dir)
    if explicit:
        return explicit, "--settings", paths
    env = os.environ.get("DJANGO_SETTINGS_MODULE")
    if env:
        return env, "DJANGO_SETTINGS_MODULE", paths
    if yaml_module:
        return yaml_module, f"{project_dir / 'djhelm.yaml'} (django.settingsModule)", paths
    for directory in paths:
        found = _from_manage_py(directory)
        if found:
            return found, str(directory / "manage.py"), paths
    raise ProjectError(Problem(
        str(project_dir),
        "cannot tell which settings module to use (no --settings, no DJANGO_SETTINGS_MODULE, no "
        "django.settingsModule in djhelm.yaml, no manage.py setting it)",
        fix="djhelm migrations check --settings mysite.settings",
    ))


def _where(error: BaseException, project_dir: Path) -> str:
    if isinstance(error, SyntaxError) and error.filename:
        return f"{error.filename}:{error.lineno}"
    root = str(project_dir.resolve())
    location = ""
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename.startswith(root):
            location = f"{frame.filename}:{frame.lineno}"
    return location


def _settings_fix(error: BaseException) -> str:
    # Settings that read os.environ["X"] fail in CI, where production variables are absent; a placeholder is
    # enough because the checker never opens a database connection.
    if isinstance(error, KeyError) and error.args:
        return (f"set {error.args[0]} in the environment (any placeholder works: the checker never connects "
                "to a database), or pass --settings with a settings module meant for CI")
    return "make the settings importable in CI, or pass --settings with a settings module meant for CI"


def _fail(what: str, error: BaseException, project_dir: Path, fix: str = "") -> ProjectError:
    where = _where(error, project_dir)
    if not isinstance(error, Exception):
        fix = "project code must not exit or stop the process while it is imported; guard that code"
    if where:
        return ProjectError(Problem(where, f"{what}: {_describe(error)}", fix=fix))
    return ProjectError(Problem(what, _describe(error), fix=fix))


def _describe(error: BaseException) -> str:
    if isinstance(error, SystemExit):
        # sys.exit(0) in a settings or migration module would otherwise end the check with exit 0 and
        # no output, which CI reads as a pass.
        return f"the code called sys.exit({error.code!r}) while being imported"
    if isinstance(error, KeyboardInterrupt):
        return "KeyboardInterrupt raised while importing the project (or the check was interrupted)"
    return f"{type(error).__name__}: {error}"


def load_project(project_dir: Path, settings: str | None = None) -> LoadedProject:
    """Set up Django for the project (in this process) and build its migration graph without a DB."""
    project_dir = project_dir.resolve()
    if not project_dir.is_dir():
        raise ProjectError(Problem(str(project_dir), "not a directory", fix="pass the folder with manage.py"))
    module, source, paths = resolve_settings(project_dir, settings)
    for directory in reversed(paths):
        if str(directory) not in sys.path:
            sys.path.insert(0, str(directory))
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        raise ProjectError(Problem(
            f"settings module {module!r} (from {source})",
            f"is not importable from {project_dir}",
            fix="pass --settings with a module found under PROJECT_DIR, e.g. --settings mysite.settings",
        ))
    os.environ["DJANGO_SETTINGS_MODULE"] = module
    try:
        import django
        from django.conf import settings as django_settings

        from djhelm.safety.vendor import pretend_postgresql, switch_to_postgresql

        other_engines = switch_to_postgresql(django_settings)  # imports the settings module
        django.setup()
        pretend_postgresql(sorted(other_engines))
    except BaseException as error:  # SystemExit and KeyboardInterrupt too: see _describe
        raise _fail(f"loading settings {module!r} failed", error, project_dir, _settings_fix(error)) from None
    try:
        loader = _checked_loader()
    except ProjectError:
        raise
    except BaseException as error:
        raise _fail("reading the migration files failed", error, project_dir) from None
    return LoadedProject(project_dir, module, source, loader, other_engines)


def _checked_loader() -> Any:
    """Django's MigrationLoader, refusing what makes its graph build undefined before it starts."""
    from django.db.migrations.loader import MigrationLoader

    class CheckedLoader(MigrationLoader):  # type: ignore[misc]
        def load_disk(self) -> None:
            super().load_disk()
            _refuse_double_replacements(self.disk_migrations)

    return CheckedLoader(None, ignore_no_migrations=True)


def _refuse_double_replacements(disk_migrations: dict[tuple[str, str], Any]) -> None:
    """Two squashed migrations that replace the same migration leave Django's loader no single graph:
    depending on the hash seed it picks one, or loops forever (`makemigrations --check` hangs as well)."""
    replaced_by: dict[tuple[str, str], tuple[str, str]] = {}
    for key in sorted(disk_migrations):
        for replaced in getattr(disk_migrations[key], "replaces", None) or ():
            replaced = tuple(replaced)
            other = replaced_by.setdefault(replaced, key)
            if other != key:
                raise ProjectError(Problem(
                    f"app {key[0]}",
                    f"{other[0]}.{other[1]} and {key[0]}.{key[1]} both replace {replaced[0]}.{replaced[1]}; "
                    "Django cannot build one migration graph from them",
                    fix="keep one squashed migration for these migrations and delete the other (or drop its "
                    "`replaces` once every database has applied it)",
                ))
