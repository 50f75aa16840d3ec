"""The replica modules live in djhelm.runtime.replicas; the paths settings and docs used before still work."""

from __future__ import annotations

import importlib

import pytest

from djhelm.runtime import db


@pytest.mark.parametrize(
    ("old", "new", "name"),
    [
        ("djhelm.runtime.routers", "djhelm.runtime.replicas.router", "ReplicaRouter"),
        ("djhelm.runtime.middleware", "djhelm.runtime.replicas.middleware", "ReplicaPinningMiddleware"),
        ("djhelm.runtime.replica_state", "djhelm.runtime.replicas.state", "use_primary"),
        ("djhelm.runtime.replica_state", "djhelm.runtime.replicas.state", "read_your_writes"),
    ],
)
def test_a_settings_path_written_before_the_move_names_the_same_object(old: str, new: str, name: str) -> None:
    assert getattr(importlib.import_module(old), name) is getattr(importlib.import_module(new), name)


def test_the_settings_helpers_name_the_new_paths() -> None:
    for dotted in (db.ROUTER, db.MIDDLEWARE):
        module, _, attribute = dotted.rpartition(".")
        assert module.startswith("djhelm.runtime.replicas.")
        assert hasattr(importlib.import_module(module), attribute)
