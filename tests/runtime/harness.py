"""Run the test project's code trees as real processes against a real database, and look at the result."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

REPO = Path(__file__).resolve().parents[2]


def project_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJHELM_", "DATABASE_"))}
    env["DATABASE_URL"] = database_url
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [os.environ.get("PYTHONPATH"), str(REPO / "generator")]))
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


@dataclass
class Release:
    tree: Path
    database_url: str

    def manage(
        self, *args: str, check: bool = False, timeout: float = 90, **env: str
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=self.tree,
            capture_output=True,
            text=True,
            env=project_env(self.database_url, **env),
            timeout=timeout,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"manage.py {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
            )
        return result

    def spawn(self, *args: str, **env: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=self.tree,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=project_env(self.database_url, **env),
        )


def events(output: str) -> list[dict[str, Any]]:
    """The JSON lines of a migrate_phase run."""
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def migration_events(output: str) -> dict[str, dict[str, Any]]:
    """app.name -> its JSON log line."""
    return {f"{e['app']}.{e['name']}": e for e in events(output) if e["event"] == "migration"}


@dataclass
class Load:
    """A process running one release's ORM reads and writes in a loop."""

    release: Release
    workdir: Path
    tag: str
    process: subprocess.Popen[str] | None = None
    result: dict[str, Any] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.stop_file = self.workdir / f"{self.tag}.stop"
        self.out_file = self.workdir / f"{self.tag}.json"
        self.ready_file = self.workdir / f"{self.tag}.ready"

    def start(self) -> Load:
        self.process = subprocess.Popen(
            [sys.executable, "load.py", str(self.stop_file), str(self.out_file), str(self.ready_file)],
            cwd=self.release.tree,
            env=project_env(self.release.database_url, **self.env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 30
        while not self.ready_file.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"load {self.tag} did not start: {self.process.communicate()[0]}")
            time.sleep(0.02)
        return self

    def stop(self) -> dict[str, Any]:
        assert self.process is not None
        self.stop_file.touch()
        output, _ = self.process.communicate(timeout=60)
        assert self.process.returncode == 0, output
        self.result = json.loads(self.out_file.read_text())
        return self.result


def query(database_url: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with psycopg.connect(database_url, autocommit=True) as conn:
        return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]


def columns(database_url: str, table: str) -> set[str]:
    rows = query(
        database_url, "SELECT column_name FROM information_schema.columns WHERE table_name = %s", (table,)
    )
    return {row[0] for row in rows}


def tables(database_url: str) -> set[str]:
    return {
        row[0] for row in query(database_url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    }


def applied(database_url: str, app: str = "shop") -> list[str]:
    return [
        row[0]
        for row in query(
            database_url, "SELECT name FROM django_migrations WHERE app = %s ORDER BY id", (app,)
        )
    ]


def indexes(database_url: str, table: str) -> dict[str, bool]:
    rows = query(
        database_url,
        "SELECT i.relname, x.indisvalid FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        "JOIN pg_class t ON t.oid = x.indrelid WHERE t.relname = %s",
        (table,),
    )
    return {name: valid for name, valid in rows}


RESULTS_ENV = "DJHELM_RUNTIME_RESULTS"


def record(results_file: Path, name: str, value: Any) -> None:
    """Keep a measured number: printed (pytest -s) and merged into a JSON file for the report."""
    data = json.loads(results_file.read_text()) if results_file.exists() else {}
    data[name] = value
    results_file.write_text(json.dumps(data, indent=2, sort_keys=True))
    print(f"[djhelm runtime] {name}: {json.dumps(value, sort_keys=True)}")
