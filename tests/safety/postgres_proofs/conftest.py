"""Fixtures for the PostgreSQL proofs: the SQL Django really emits, and a database with the base schema."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.safety.postgres_proofs.locks import run
from tests.support.postgres import PostgresServer

REPO_ROOT = Path(__file__).resolve().parents[3]
Scenario = dict[str, list[str]]


@pytest.fixture(scope="session")
def django_ddl(postgres_server: PostgresServer) -> dict[str, Scenario]:
    """scenario name -> {"setup": [...], "sql": [...]}, from Django's schema editor (see django_ddl.py)."""
    url = postgres_server.create_database("djhelm_proofs_ddl")
    result = subprocess.run(
        [sys.executable, "-m", "tests.safety.postgres_proofs.django_ddl", url],
        cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    scenarios: dict[str, Scenario] = json.loads(result.stdout)
    return scenarios


@pytest.fixture
def scenario_db(postgres_db: str, django_ddl: dict[str, Scenario]) -> Callable[[str], tuple[str, list[str]]]:
    """Build a scenario's starting schema (with a few rows) and return (database url, the SQL under test)."""

    def build(name: str) -> tuple[str, list[str]]:
        scenario = django_ddl[name]
        run(postgres_db, scenario["setup"])
        run(postgres_db, [
            "INSERT INTO proof_owner DEFAULT VALUES",
            "INSERT INTO proof_item (name, qty, code, label) "
            "SELECT 'n' || g, g, 'c' || g, 'l' FROM generate_series(1, 50) g",
        ])
        return postgres_db, scenario["sql"]

    return build
