"""DATABASE_MIGRATION_URL: migrate through a direct connection to the primary, not through PgBouncer.

Transaction-pooling PgBouncer drops session state (SET lock_timeout, advisory locks) between transactions,
so the guards need a real session. When the variable is set, the migration alias's connection settings
(NAME, USER, PASSWORD, HOST, PORT and URL options) are replaced before the first query; ENGINE and every other
key (CONN_MAX_AGE, TEST, ...) stay as settings.py wrote them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from django.db import connections

from djhelm import envnames

ENV = envnames.DATABASE_MIGRATION_URL
_KEYS = ("NAME", "USER", "PASSWORD", "HOST", "PORT")


def use_migration_url(alias: str, environ: Mapping[str, str] | None = None) -> bool:
    """Point ``alias`` at DATABASE_MIGRATION_URL when set; returns whether it did."""
    url = (os.environ if environ is None else environ).get(ENV, "").strip()
    if not url:
        return False
    import dj_database_url

    parsed: dict[str, Any] = dict(dj_database_url.parse(url))
    connection = connections[alias]
    connection.close()
    settings_dict = connection.settings_dict
    for key in _KEYS:
        settings_dict[key] = parsed.get(key) or ""
    if parsed.get("OPTIONS"):
        settings_dict["OPTIONS"] = {**settings_dict.get("OPTIONS", {}), **parsed["OPTIONS"]}
    # a pooled alias may disable server-side cursors or pin a pool; a direct session needs neither
    settings_dict["DISABLE_SERVER_SIDE_CURSORS"] = False
    return True
