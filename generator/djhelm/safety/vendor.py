"""Judge every project as if it ran on PostgreSQL, whatever database its CI settings name.

Migrations may branch on the database at import time (``if connection.vendor == "postgresql":``), and
CI settings often point at SQLite or at no database at all. djhelm's verdicts are about PostgreSQL, so
the settings' databases are switched to Django's PostgreSQL backend before Django is set up: the
backend is only instantiated, never connected (a connection attempt would go to port 1 on 127.0.0.1 and
be refused at once). Without a PostgreSQL driver installed, the backend cannot be imported; the
connection objects then only report ``vendor = "postgresql"``, which is what migration code reads.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from typing import Any

_POSTGRES = "django.db.backends.postgresql"
_POSTGIS = "django.contrib.gis.db.backends.postgis"
_POSTGRES_FAMILY = ("postgresql", "postgis", "psycopg")
_NOWHERE = {"HOST": "127.0.0.1", "PORT": "1"}


@cache
def _driver_installed() -> bool:
    for name in ("psycopg", "psycopg2"):
        try:
            if importlib.util.find_spec(name) is not None:
                return True
        except (ImportError, ValueError):  # ValueError: a module blanked out in sys.modules
            continue
    return False


def switch_to_postgresql(settings: Any) -> dict[str, str]:
    """Point every non-PostgreSQL database of ``settings`` (not yet set up) at an unreachable PostgreSQL.

    Returns alias -> the engine the settings named, for the databases that were switched (or, without a
    driver, that must pretend: see :func:`pretend_postgresql`).
    """
    databases = settings.DATABASES
    if not databases:
        databases = {"default": {}}
        settings.DATABASES = databases
    switched: dict[str, str] = {}
    driver = _driver_installed()
    for alias, database in databases.items():
        engine = str(database.get("ENGINE") or "django.db.backends.dummy")
        if any(word in engine for word in _POSTGRES_FAMILY):
            continue
        switched[str(alias)] = engine
        if driver:
            database.clear()
            database.update(_NOWHERE, OPTIONS={"connect_timeout": 1}, NAME="djhelm",
                            ENGINE=_POSTGIS if ".gis." in engine else _POSTGRES)
    return switched


def pretend_postgresql(aliases: list[str]) -> None:
    """Without a driver: make the switched connections report PostgreSQL to code that asks for the vendor."""
    if _driver_installed():
        return
    from django.db import connections

    for alias in aliases:
        connection = connections[alias]
        connection.vendor = "postgresql"
        connection.display_name = "PostgreSQL"
