"""Real servers register their processes (the registry `migrate_phase post` reads) and leave it on a clean
shutdown: gunicorn workers (also with --preload, where the app loads in the master before the fork) and
uvicorn, running the examples against a real PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import psycopg
import pytest

from tests.examples.harness import BIN, EXAMPLES, example_env, manage
from tests.support.postgres import free_port

pytestmark = pytest.mark.postgres


def _rows(url: str) -> list[tuple[int, str]]:
    with psycopg.connect(url) as conn:
        return [(int(pid), str(role)) for pid, role in
                conn.execute("SELECT pid, role FROM djhelm_process ORDER BY pid").fetchall()]


def _until(check: object, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError("condition not reached in time")


@pytest.mark.parametrize(("project", "command", "registered"), [
    ("shop", ["gunicorn", "shop.wsgi:application", "--workers", "2"], 2),  # the workers load the app
    ("shop", ["gunicorn", "shop.wsgi:application", "--workers", "2", "--preload"], 3),  # the master too
    ("events", ["uvicorn", "events.asgi:application"], 1),
])
def test_servers_register_and_deregister(postgres_db: str, tmp_path: Path, project: str,
                                         command: list[str], registered: int) -> None:
    env = example_env(project, postgres_db, DJHELM_HEARTBEAT="200ms")
    migrated = manage(project, env, "migrate_phase", "pre")
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    port = free_port()
    bind = ["--bind", f"127.0.0.1:{port}"] if command[0] == "gunicorn" else ["--port", str(port)]
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen([str(BIN / command[0]), *command[1:], *bind], cwd=EXAMPLES / project,
                              env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _until(lambda: len(_rows(postgres_db)) == registered)
        rows = _rows(postgres_db)
        assert all(role.startswith(command[0]) for _, role in rows), rows
        if "--preload" in command:
            assert server.pid in {pid for pid, _ in rows}
        server.send_signal(signal.SIGTERM)  # what the kubelet sends: a clean shutdown leaves no row
        server.wait(timeout=60)
        assert _rows(postgres_db) == [], (tmp_path / "server.log").read_text()
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()
