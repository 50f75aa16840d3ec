"""Make ``manage.py migrate --database <replica>`` a no-op instead of a crash.

The router already answers allow_migrate=False for replicas, so Django skips every operation there, but its
migration recorder ignores routers: with migrations pending it would create or insert into django_migrations
on the replica, which a hot standby refuses ("cannot execute CREATE TABLE in a read-only transaction"), and a
writable replica would wrongly record migrations it never ran. A replica gets its schema by replaying the
primary's WAL, so the right amount of work is none: this pre_migrate receiver empties the plan that the
migrate command is about to execute (the command passes the same list to the signal and to the executor).
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import pre_migrate

from djhelm.runtime.replicas.options import load

_UID = "djhelm.runtime.replicas.no_migrate"


def skip_replica_plan(sender: Any, using: str = "", plan: list[Any] | None = None, stdout: Any = None,
                      **kwargs: Any) -> None:
    if using not in load().weights or not plan:
        return
    plan.clear()
    if stdout is not None:
        stdout.write(f"  {using} is a read replica: migrations run on the primary only and reach it by "
                     "replication; nothing to do here.")


def connect() -> None:
    pre_migrate.connect(skip_replica_plan, dispatch_uid=_UID)
