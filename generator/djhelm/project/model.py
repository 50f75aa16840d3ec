"""What djhelm learns about a Django project by reading its files (never importing them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Source:
    """Where something was found: a path relative to the project folder and a 1-based line."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class EnvRead:
    """One environment variable the settings read.

    ``default`` is the literal default in the code (as text), None when there is none or it is not a
    literal; ``required`` means the code fails without it (``os.environ["X"]`` not guarded by an
    ``if "X" in os.environ``).
    """

    name: str
    source: Source
    default: str | None = None
    required: bool = False
    # How this code spells "off" for the variable when it can be told (the default's spelling, or
    # "False" for a value parsed as a Python literal); None: any usual spelling works.
    false_value: str | None = None


@dataclass(frozen=True)
class Entrypoint:
    """The web server and the application object it serves, and why djhelm chose them."""

    server: str  # gunicorn | uvicorn | granian
    application: str  # "package.module:attribute"
    reason: str
    interface: str = ""  # granian's: wsgi | asgi


@dataclass(frozen=True)
class CeleryApp:
    app: str  # "package.module:attribute", for `celery -A`
    source: Source
    has_beat_schedule: bool
    beat_reason: str


@dataclass(frozen=True)
class HealthPaths:
    readiness: str | None
    liveness: str | None
    source: str  # file the paths came from, "" when none were found


@dataclass(frozen=True)
class DjangoProject:
    """Everything ``djhelm init`` needs, read from a project folder."""

    root: Path
    settings_module: str
    settings_files: tuple[str, ...]  # the settings module and every settings file it star-imports
    entrypoint: Entrypoint
    env_reads: tuple[EnvRead, ...]
    installed_apps: tuple[str, ...] | None  # None when INSTALLED_APPS is not a literal list
    static_url: str | None
    static_root: str | None
    health: HealthPaths
    celery: CeleryApp | None
    notes: tuple[str, ...] = field(default=())  # things the user should look at

    @property
    def reads_database_url(self) -> bool:
        return any(read.name == "DATABASE_URL" for read in self.env_reads)

    @property
    def uses_djhelm_runtime(self) -> bool:
        return self.installed_apps is not None and "djhelm.runtime" in self.installed_apps
