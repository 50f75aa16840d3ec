"""djhelm's own tables (the process registry and the release ledger), created by whoever migrates.

`migrate_phase pre`/`post` create them, and so does a plain `manage.py migrate` (a post_migrate receiver):
the registry then works for projects without phases too, so monitoring sees which code versions run. The
migration role has DDL rights; the app's role only reads and writes rows.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import DatabaseError, connections
from django.db.models.signals import post_migrate

from djhelm.runtime import ledger, processes

logger = logging.getLogger("djhelm.runtime.tables")
_UID = "djhelm.runtime.tables"


def create(connection: Any) -> None:
    with connection.cursor() as cursor:
        for statement in (processes.CREATE_TABLE, ledger.CREATE_TABLE):
            cursor.execute(statement)


_last: list[Any] = [None, None]  # the plan and alias handled last (the object itself: ids are reused)


def create_after_migrate(sender: Any, using: str = "default", plan: Any = None, **kwargs: Any) -> None:
    from djhelm.runtime.guards import is_postgres
    from djhelm.runtime.replicas.options import load

    # post_migrate fires once per app with models, each time with the same plan list: act on the first
    if _last[0] is plan and _last[1] == using and plan is not None:
        return
    _last[:] = [plan, using]
    connection = connections[using]
    if using in load().weights or not is_postgres(connection):
        return
    try:
        create(connection)
    except DatabaseError as exc:  # a role without CREATE: the migration itself succeeded, say so and go on
        logger.warning("djhelm: could not create its tables on %s (%s); migrate_phase creates them",
                       using, exc)


def connect() -> None:
    # not filtered by sender: djhelm's app has no models, and Django signals only apps that have them
    post_migrate.connect(create_after_migrate, dispatch_uid=_UID)
