"""The commands the chart puts into pods really work: run them, as rendered by Helm, against the shop
example project and a real PostgreSQL (only the container runtime is missing: they run as local processes)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.chart.support import REPO_ROOT, committed_chart, helm_template, manifests, named
from tests.support.kube_env import container_env
from tests.support.postgres import free_port

pytestmark = [pytest.mark.helm, pytest.mark.postgres]

PROJECT = REPO_ROOT / "examples" / "shop"
EVENTS = REPO_ROOT / "examples" / "events"


def _env(container: dict[str, Any], config_map: dict[str, Any], secrets: dict[str, str]) -> dict[str, str]:
    """The environment Kubernetes would build, with ``config_map`` as the ConfigMap the container reads."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "DJHELM_", "PG"))}
    # In the image `python` is the one with Django on PATH; here that is the interpreter running the tests.
    base["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), base.get("PATH", "")])
    config_maps = {config_map["metadata"]["name"]: config_map["data"]}
    return container_env(container, config_maps, lambda name, key: secrets[f"{name}/{key}"], base)


def _secrets(database_url: str) -> dict[str, str]:
    """What the shop's Secrets hold in this test: `secretName/key` -> value."""
    return {
        "shop-db/url": database_url,
        "shop-db/direct-url": database_url,
        "shop-django/secret-key": "k" * 50,
    }


def _run(command: list[str], env: dict[str, str], cwd: Path = PROJECT) -> subprocess.CompletedProcess[str]:
    # Locally the project folder plays the image's WORKDIR (/app).
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_migration_pod_commands_against_postgres(helm3: str, postgres_db: str) -> None:
    secrets = {
        "shop-db/url": postgres_db,
        "shop-db/direct-url": postgres_db,
        "shop-django/secret-key": "k" * 50,
    }
    hook_docs = manifests(helm_template(helm3, committed_chart("shop")))
    job = named(hook_docs, "Job", "-migrate")["spec"]["template"]["spec"]
    job_config = named(hook_docs, "ConfigMap", "-migrations")
    wait_db, migrate = job["initContainers"][0], job["containers"][0]

    none_docs = manifests(helm_template(helm3, committed_chart("shop"), "--set", "migrations.strategy=none"))
    web = named(none_docs, "Deployment", "-web")["spec"]["template"]["spec"]
    app_config = named(none_docs, "ConfigMap", "rel-shop")
    wait_migrations = web["initContainers"][0]
    assert wait_migrations["name"] == "wait-for-migrations"

    # Pods must not start on an unmigrated schema: the wait gives up (budget 0 s) with a clear message.
    env = _env(wait_migrations, app_config, secrets) | {"DJHELM_WAIT_TIMEOUT_SECONDS": "0"}
    proc = _run(wait_migrations["command"], env)
    assert proc.returncode != 0 and "migrations still unapplied" in proc.stderr, proc.stderr

    # The Job's init container finds the database; with an unreachable one it gives up within its budget.
    proc = _run(wait_db["command"], _env(wait_db, job_config, secrets))
    assert proc.returncode == 0, proc.stderr
    assert "database is accepting connections" in proc.stdout
    unreachable = secrets | {"shop-db/direct-url": "postgres://nobody@127.0.0.1:9/none"}
    env = _env(wait_db, job_config, unreachable) | {"DJHELM_DATABASE_WAIT_SECONDS": "0"}
    proc = _run(wait_db["command"], env)
    assert proc.returncode != 0 and "wait-for-database: giving up" in proc.stderr, proc.stderr

    # The migrate container, with PGOPTIONS from the ConfigMap copy: PostgreSQL accepts and applies them.
    env = _env(migrate, job_config, secrets)
    proc = _run(migrate["command"], env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    show = _run(
        [
            "python",
            "manage.py",
            "shell",
            "-c",
            "from django.db import connection\n"
            "c = connection.cursor()\n"
            "c.execute('show lock_timeout'); print(c.fetchone()[0])\n"
            "c.execute('show statement_timeout'); print(c.fetchone()[0])",
        ],
        env,
    )
    # Django 5.2's shell may print a line about auto-imports first.
    assert show.stdout.split()[-2:] == ["5s", "5min"], show.stdout + show.stderr

    # Now the app pods' wait passes at once.
    proc = _run(wait_migrations["command"], _env(wait_migrations, app_config, secrets))
    assert proc.returncode == 0, proc.stderr


def test_phase_wait_command_runs(helm3: str, postgres_db: str, tmp_path: Path) -> None:
    secrets = {
        "shop-db/url": postgres_db,
        "shop-db/direct-url": postgres_db,
        "shop-django/secret-key": "k" * 50,
    }
    docs = manifests(
        helm_template(
            helm3,
            committed_chart("shop"),
            "--set",
            "migrations.strategy=job",
            "--set",
            "migrations.phases=true",
        )
    )
    pre = [
        j
        for j in docs
        if j["kind"] == "Job" and not j["metadata"]["name"].startswith("rel-shop-migrate-post")
    ]
    job = pre[0]["spec"]["template"]["spec"]["containers"][0]
    config = named(docs, "ConfigMap", "-migrations")
    wait = named(docs, "Deployment", "-web")["spec"]["template"]["spec"]["initContainers"][0]
    assert wait["command"][2:4] == ["migrate_phase", "wait"]
    proc = _run(job["command"], _env(job, config, secrets))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    command = [*wait["command"][:-1], "30"]
    proc = _run(command, _env(wait, named(docs, "ConfigMap", "rel-shop"), secrets))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_web_command_serves_and_helm_test_passes(helm3: str, postgres_db: str) -> None:
    """The rendered gunicorn command (exec form, graceful timeout) serves the readiness endpoint that the
    `helm test` pod's script checks, and drains on SIGTERM."""
    port = str(free_port())
    secrets = {
        "shop-db/url": postgres_db,
        "shop-db/direct-url": postgres_db,
        "shop-django/secret-key": "k" * 50,
    }
    # the metrics container and its shared folder are played in tests/examples/test_chart_runs_examples.py
    docs = manifests(helm_template(helm3, committed_chart("shop"), "--set", f"web.port={port}",
                                   "--set", "monitoring.enabled=false"))
    job = named(docs, "Job", "-migrate")["spec"]["template"]["spec"]["containers"][0]
    assert _run(job["command"], _env(job, named(docs, "ConfigMap", "-migrations"), secrets)).returncode == 0
    web = named(docs, "Deployment", "-web")["spec"]["template"]["spec"]["containers"][0]
    test_pod = named(docs, "Pod", "-test-readiness")["spec"]["containers"][0]
    server = subprocess.Popen(
        web["command"],
        cwd=PROJECT,
        env=_env(web, named(docs, "ConfigMap", "rel-shop"), secrets),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # The Service name only resolves in a cluster; point the test pod's script at the local server.
        test_env = os.environ | {"DJHELM_TEST_URL": f"http://127.0.0.1:{port}/healthz/ready"}
        for _ in range(60):
            proc = subprocess.run(
                test_pod["command"], env=test_env, capture_output=True, text=True, check=False
            )
            if proc.returncode == 0:
                break
            time.sleep(0.5)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip().endswith(" 200")
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=60)
    assert server.returncode == 0, output


def test_events_replica_env_reaches_django(helm3: str, postgres_db: str, tmp_path: Path) -> None:
    """The replica variables, once Kubernetes expands $(VAR), are what djhelm.runtime's settings helper reads:
    web pods get both replicas with their weights; the migration Job sees the primary only."""
    replica1, replica2 = postgres_db + "?application_name=r1", postgres_db + "?application_name=r2"
    secrets = {
        "events-db/url": postgres_db,
        "events-db/direct-url": postgres_db,
        "events-db/replica1-url": replica1,
        "events-db/replica2-url": replica2,
        "events-django/secret-key": "k" * 50,
        "events-redis/url": f"filesystem://{tmp_path}",
    }
    docs = manifests(helm_template(helm3, committed_chart("events"), "--set", "monitoring.enabled=false"))
    app_config = named(docs, "ConfigMap", "rel-events")
    web = named(docs, "Deployment", "-web")["spec"]["template"]["spec"]["containers"][0]
    pre = next(
        j
        for j in docs
        if j["kind"] == "Job" and j["metadata"]["annotations"]["djhelm.dev/migration-phase"] == "pre"
    )["spec"]["template"]["spec"]["containers"][0]
    show = [
        "python",
        "manage.py",
        "shell",
        "-c",
        "from django.conf import settings\n"
        "for alias, db in sorted(settings.DATABASES.items()): print('DB', alias, db['OPTIONS'].get("
        "'application_name', '-'))",
    ]
    web_env = _env(web, app_config, secrets)
    assert web_env["DATABASE_REPLICA_URLS"] == f"{replica1},{replica2}"
    proc = _run(show, web_env, cwd=EVENTS)
    assert proc.returncode == 0, proc.stderr
    lines = sorted(line for line in proc.stdout.splitlines() if line.startswith("DB "))
    assert len(lines) == 3 and lines[0].startswith("DB default"), proc.stdout
    assert {line.split()[-1] for line in lines[1:]} == {"r1", "r2"}, proc.stdout
    proc = _run(show, _env(pre, named(docs, "ConfigMap", "-migrations"), secrets), cwd=EVENTS)
    assert proc.returncode == 0, proc.stderr
    assert [line.split()[1] for line in proc.stdout.splitlines() if line.startswith("DB ")] == ["default"]
