"""Run the example projects for real: manage.py commands and gunicorn/uvicorn servers on free ports."""

from __future__ import annotations

import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = REPO_ROOT / "examples"
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def closed_port_url() -> str:
    """A PostgreSQL URL whose port nothing listens on: connections are refused at once."""
    return f"postgres://nobody@127.0.0.1:{free_port()}/nothing"


def example_env(project: str, database_url: str, **extra: str) -> dict[str, str]:
    """The environment the Helm chart would give a pod: settings come only from here."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
    env.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=database_url,
        DJANGO_ALLOWED_HOSTS="localhost,127.0.0.1",
        PYTHONUNBUFFERED="1",
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
    )
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(extra)
    return env


def manage(project: str, env: Mapping[str, str], *args: str,
           timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=EXAMPLES / project, env=dict(env),
                          capture_output=True, text=True, timeout=timeout)


@dataclass
class Response:
    status: int
    body: str


def get(port: int, path: str, host: str = "localhost", timeout: float = 30) -> Response:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Host": host})
        reply = conn.getresponse()
        return Response(reply.status, reply.read().decode())
    finally:
        conn.close()


@dataclass
class Server:
    process: subprocess.Popen[str]
    port: int
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def terminate_and_wait(self, timeout: float) -> tuple[int, float]:
        """Send SIGTERM like the kubelet does; return (exit code, seconds until exit)."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=timeout)
        return code, time.monotonic() - started


def wait_listening(server: Server, budget: float = 60) -> None:
    deadline = time.monotonic() + budget
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited with {server.process.returncode}:\n{server.log()}")
        try:
            if get(server.port, "/healthz/live", timeout=5).status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server did not answer /healthz/live within {budget}s:\n{server.log()}")


def server_command(project: str, port: int, graceful_timeout: int) -> list[str]:
    """The command line the chart runs in the web container (see the examples' Dockerfiles)."""
    if project == "shop":
        return [str(BIN / "gunicorn"), "shop.wsgi:application", "--bind", f"127.0.0.1:{port}",
                "--workers", "2", "--graceful-timeout", str(graceful_timeout)]
    return [str(BIN / "uvicorn"), "events.asgi:application", "--host", "127.0.0.1", "--port", str(port),
            "--timeout-graceful-shutdown", str(graceful_timeout)]


@contextmanager
def running_server(project: str, env: Mapping[str, str], log_dir: Path,
                   graceful_timeout: int = 20) -> Iterator[Server]:
    port = free_port()
    log_path = log_dir / f"{project}-server.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(server_command(project, port, graceful_timeout), cwd=EXAMPLES / project,
                                   env=dict(env), stdout=log, stderr=subprocess.STDOUT, text=True,
                                   start_new_session=True)
    server = Server(process, port, log_path)
    try:
        wait_listening(server)
        yield server
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def request_held_in_database(database_url: str, table: str, send: Callable[[], Future[Response]],
                             log: Callable[[], str]) -> Iterator[Future[Response]]:
    """A request kept in flight for as long as the block runs: an ACCESS EXCLUSIVE lock on ``table`` (which
    the page reads) holds its query; ``send`` starts it. Yields once the query waits on the lock; the lock
    goes when the block ends, and the request then completes."""
    import psycopg  # only the tests that hold requests need the driver here

    locker = psycopg.connect(database_url)
    try:
        locker.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        in_flight = send()
        deadline = time.monotonic() + 15
        while not _sessions_waiting_on_a_lock(database_url):
            if time.monotonic() > deadline:
                raise AssertionError(f"the request never reached the database:\n{log()}")
            time.sleep(0.05)
        yield in_flight
    finally:
        locker.rollback()
        locker.close()


def _sessions_waiting_on_a_lock(database_url: str) -> int:
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                           "AND datname = current_database()").fetchone()
        return int(row[0]) if row else 0
