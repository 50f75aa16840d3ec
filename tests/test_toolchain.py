"""The real toolchain the rest of the suite relies on is present and is what it claims to be."""

from __future__ import annotations

import subprocess

import psycopg

from tests.support.postgres import PostgresServer


def test_helm_binaries_are_helm_3_and_helm_4(helm3: str, helm4: str) -> None:
    v3 = subprocess.run([helm3, "version", "--short"], capture_output=True, text=True, check=True).stdout
    v4 = subprocess.run([helm4, "version", "--short"], capture_output=True, text=True, check=True).stdout
    assert v3.startswith("v3."), v3
    assert v4.startswith("v4."), v4


def test_postgres_server_accepts_connections(postgres_server: PostgresServer, postgres_db: str) -> None:
    with psycopg.connect(postgres_db) as conn:
        version = conn.execute("SHOW server_version_num").fetchone()
    assert version is not None and int(version[0]) >= 150000
