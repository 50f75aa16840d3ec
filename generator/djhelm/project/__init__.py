"""Read a Django project from disk (manage.py, settings, URLconf, Celery app) without importing it."""

from djhelm.project.model import CeleryApp, DjangoProject, Entrypoint, EnvRead, HealthPaths, Source
from djhelm.project.reader import read_project

__all__ = ["CeleryApp", "DjangoProject", "Entrypoint", "EnvRead", "HealthPaths", "Source", "read_project"]
