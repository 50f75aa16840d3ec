"""Fixtures shared by the whole suite: real Helm binaries and a real PostgreSQL server."""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.postgres import PostgresServer

REPO_ROOT = Path(__file__).resolve().parent.parent
TOOLS_BIN = REPO_ROOT / ".tools" / "bin"


def _helm_binary(name: str) -> str:
    for candidate in (TOOLS_BIN / name, shutil.which(name)):
        if candidate and Path(candidate).exists():
            return str(candidate)
    raise pytest.UsageError(
        f"{name} not found: run scripts/setup.sh (installs Helm 3 and Helm 4 into .tools/bin)"
    )


@pytest.fixture(scope="session")
def helm3() -> str:
    return _helm_binary("helm3")


@pytest.fixture(scope="session")
def helm4() -> str:
    return _helm_binary("helm4")


@pytest.fixture(scope="session", params=["helm3", "helm4"])
def helm(request: pytest.FixtureRequest) -> str:
    """Each test using this runs once with Helm 3 and once with Helm 4."""
    return _helm_binary(str(request.param))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One real PostgreSQL server for the session; tests get their own database from `postgres_db`."""
    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.destroy()


_db_counter = itertools.count()


@pytest.fixture
def postgres_db(postgres_server: PostgresServer) -> str:
    """A fresh, empty database on the session server; returns its URL."""
    name = f"t{os.getpid()}_{next(_db_counter)}"
    return postgres_server.create_database(name)
