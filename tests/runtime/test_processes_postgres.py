"""`migrate_phase post` waits for the old code to be gone, read from the process registry: real processes of
two releases against a real PostgreSQL. A process runs "old code" when its code does not ship a contract
migration; it leaves the registry on a clean exit, and by expiring when killed (no heartbeat)."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from djhelm.runtime.processes import should_register
from tests.runtime.harness import Load, Release, applied, query

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
