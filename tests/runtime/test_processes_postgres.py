"""`migrate_phase post` waits for the old code to be gone, read from the process registry: real processes of
two releases against a real PostgreSQL. A process runs "old code" when its code does not ship a contract
migration; it leaves the registry on a clean exit, and by expiring when killed (no heartbeat)."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from djhelm.runtime.processes import should_register
from tests.runtime.harness import Load, Release, applied, project_env, query, record
from tests.support.postgres import free_port

pytestmark = pytest.mark.postgres
REGISTRY = {"DJHELM_PROCESS_REGISTRY": "on", "DJHELM_HEARTBEAT": "200ms", "DJHELM_PROCESS_TTL": "2s"}
CONTRACT = ["0005_remove_product_legacy_code", "0006_delete_note"]


def _install_v1(v1: Release) -> None:
    v1.manage("migrate_phase", "pre", check=True)
    v1.manage("migrate_phase", "post", check=True)


def _registered(url: str, pid: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if query(url, "SELECT count(*) FROM djhelm_process WHERE pid = %s", (pid,)) == [(1,)]:
            return
        time.sleep(0.1)
    raise AssertionError(f"pid {pid} never registered")


def test_post_waits_while_old_code_runs_and_applies_once_it_exits(
        release: Callable[[int], Release], tmp_path: Path) -> None:
    v1, v2 = release(1), release(2)
    _install_v1(v1)
    old = Load(v1, tmp_path, "old", env=REGISTRY).start()
    assert old.process is not None
    _registered(v1.database_url, old.process.pid)
    v2.manage("migrate_phase", "pre", check=True, **REGISTRY)

    blocked = v2.manage("migrate_phase", "post", DJHELM_POST_WAIT="1s", **REGISTRY)
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert f"pid {old.process.pid}" in blocked.stderr and "nothing was applied" in blocked.stderr
    assert not set(CONTRACT) & set(applied(v2.database_url))
    shown = v2.manage("migrate_phase", "status", "--format", "json", check=True, **REGISTRY)
    status = json.loads(shown.stdout)
    assert any(f"pid {old.process.pid}" in line for line in status["post_waits_for"])
    assert status["pending"]["post"] == [f"shop.{name}" for name in CONTRACT]

    old.stop()  # a clean exit deregisters
    v2.manage("migrate_phase", "post", check=True, DJHELM_POST_WAIT="5s", **REGISTRY)
    assert set(CONTRACT) <= set(applied(v2.database_url))


def test_new_code_does_not_block_and_a_killed_process_expires(
        release: Callable[[int], Release], tmp_path: Path) -> None:
    v1, v2 = release(1), release(2)
    _install_v1(v1)
    new = Load(v2, tmp_path, "new", env=REGISTRY)
    killed = Load(v1, tmp_path, "killed", env=REGISTRY).start()
    assert killed.process is not None
    _registered(v1.database_url, killed.process.pid)
    v2.manage("migrate_phase", "pre", check=True, **REGISTRY)
    new.start()
    assert new.process is not None
    _registered(v2.database_url, new.process.pid)
    os.kill(killed.process.pid, signal.SIGKILL)  # no atexit: its row stays, its heartbeat stops
    killed.process.wait(timeout=10)
    started = time.monotonic()
    done = v2.manage("migrate_phase", "post", check=True, DJHELM_POST_WAIT="30s", **REGISTRY)
    assert time.monotonic() - started < 25  # it waited for the TTL (2 s), not for the 30 s limit
    assert "waiting_for_old_code" in done.stdout
    assert set(CONTRACT) <= set(applied(v2.database_url))
    new.stop()


def test_without_registered_processes_post_says_it_cannot_tell(release: Callable[[int], Release]) -> None:
    v1, v2 = release(1), release(2)
    _install_v1(v1)
    v2.manage("migrate_phase", "pre", check=True)
    assert "no process is registered" in v2.manage("migrate_phase", "plan", check=True).stdout
    done = v2.manage("migrate_phase", "post", check=True)
    assert "no process is registered" in done.stdout


@pytest.mark.parametrize(("argv", "env", "expected"), [
    (["/venv/bin/gunicorn", "shop.wsgi"], {}, True),
    (["/venv/bin/celery", "-A", "shop", "worker"], {}, True),
    (["/usr/lib/python3/site-packages/uvicorn/__main__.py", "shop.asgi:application"], {}, True),
    (["manage.py", "runserver"], {}, True),
    (["manage.py", "migrate_phase", "post"], {}, False),
    (["manage.py", "shell"], {}, False),
    (["load.py"], {"DJHELM_PROCESS_REGISTRY": "on"}, True),
    (["/venv/bin/gunicorn", "shop.wsgi"], {"DJHELM_PROCESS_REGISTRY": "off"}, False),
])
def test_which_processes_register(argv: list[str], env: dict[str, str], expected: bool) -> None:
    assert should_register(argv, env) is expected


def _post_in_background(v2: Release, **env: str) -> subprocess.Popen[str]:
    return v2.spawn("migrate_phase", "post", **env)


def test_the_hole_without_the_registry_and_how_post_closes_it(
        release: Callable[[int], Release], tmp_path: Path, results_file: Path) -> None:
    """v1's ORM load keeps running (a pod still draining, a worker) while v2's post phase starts, as
    Helm 3's --wait allows (it counts the new ReplicaSet's ready pods only). Without the registry post
    drops the column v1 selects and v1 fails; with it, post waits and v1 never fails, and the column goes
    within seconds of v1's exit."""
    v1, v2 = release(1), release(2)
    _install_v1(v1)
    v2.manage("migrate_phase", "pre", check=True, **REGISTRY)

    # the hole: a v1 process that does not register
    unregistered = Load(v1, tmp_path, "v1-unregistered", env={**REGISTRY, "DJHELM_PROCESS_REGISTRY": "off"})
    unregistered.start()
    time.sleep(0.5)
    v2.manage("migrate_phase", "post", check=True, **REGISTRY)
    time.sleep(0.5)
    hole = unregistered.stop()
    assert hole["failed"] > 0, hole  # v1 selected a dropped column

    # the fix, on a fresh database: the same v1 process, registered
    second = _fresh_database(v1.database_url)
    v1b, v2b = Release(v1.tree, second), Release(v2.tree, second)
    _install_v1(v1b)
    v2b.manage("migrate_phase", "pre", check=True, **REGISTRY)
    old = Load(v1b, tmp_path, "v1-registered", env=REGISTRY).start()
    assert old.process is not None
    _registered(v1b.database_url, old.process.pid)
    post = _post_in_background(v2b, DJHELM_POST_WAIT="60s", **REGISTRY)
    time.sleep(3)
    assert post.poll() is None  # still waiting for v1
    columns = "SELECT column_name FROM information_schema.columns WHERE table_name = 'shop_product'"
    assert "legacy_code" in {row[0] for row in query(v1b.database_url, columns)}
    gone_at = time.monotonic()
    closed = old.stop()
    post.communicate(timeout=60)
    dropped_after = time.monotonic() - gone_at
    assert post.returncode == 0
    assert closed["failed"] == 0 and closed["ok"] > 0, closed
    assert dropped_after < 10
    record(results_file, "post waits for old code", {
        "v1 failed without the registry": hole["failed"], "v1 ok without": hole["ok"],
        "v1 failed with the registry": closed["failed"], "v1 ok with": closed["ok"],
        "contract applied after v1 exit (s)": round(dropped_after, 2),
    })


def _fresh_database(url: str) -> str:
    """A second database on the same server (one test, two runs of the same story)."""
    import psycopg

    base, _, name = url.rpartition("/")
    second = f"{name}_second"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{second}"')  # type: ignore[arg-type]
    return f"{base}/{second}"


class _Traffic:
    """A client requesting v1's page in a loop; counts the answers by status (connection errors apart)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.statuses: dict[int, int] = {}
        self.refused = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/products/", headers={"Host": "localhost"})
                status = connection.getresponse().status
                self.statuses[status] = self.statuses.get(status, 0) + 1
            except OSError:
                self.refused += 1  # the server is gone: not an answer
            time.sleep(0.005)

    def __enter__(self) -> _Traffic:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def _gunicorn(release: Release, port: int, **env: str) -> subprocess.Popen[str]:
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "proj.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--graceful-timeout", "10"],
        cwd=release.tree, env=project_env(release.database_url, **env), text=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).connect()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise AssertionError("gunicorn did not start")


@pytest.mark.parametrize("registry", ["off", "on"])
def test_gunicorn_serving_v1_while_v2_post_runs(
        release: Callable[[int], Release], results_file: Path, registry: str) -> None:
    """v1 under gunicorn serves a page reading Product while v2's post Job command runs, as after Helm 3's
    --wait (ready new pods) with an old pod still serving. Without the registry v1 answers 500 once the
    column is gone; with it, post waits for v1's SIGTERM-and-drain and v1 never fails."""
    v1, v2 = release(1), release(2)
    _install_v1(v1)
    v1.manage("shell", "-c", "from shop.models import Product; Product.objects.create(name='a')", check=True)
    v2.manage("migrate_phase", "pre", check=True, **REGISTRY)
    env = {**REGISTRY, "DJHELM_PROCESS_REGISTRY": registry}
    port = free_port()
    server = _gunicorn(v1, port, **env)
    try:
        with _Traffic(port) as traffic:
            time.sleep(1)
            post = v2.spawn("migrate_phase", "post", DJHELM_POST_WAIT="60s", **REGISTRY)
            time.sleep(3)
            if registry == "on":
                assert post.poll() is None  # waiting for v1's workers
            server.send_signal(signal.SIGTERM)  # the kubelet ends the old pod: drain, then exit
            server.wait(timeout=30)
            post.communicate(timeout=60)
        assert post.returncode == 0
        errors = sum(count for status, count in traffic.statuses.items() if status >= 500)
        record(results_file, f"gunicorn v1 during post, registry {registry}", dict(traffic.statuses))
        if registry == "on":
            assert errors == 0 and traffic.statuses.get(200, 0) > 0, traffic.statuses
        else:
            assert errors > 0, traffic.statuses  # the hole: v1 served 500s once the column was dropped
    finally:
        if server.poll() is None:
            server.kill()
