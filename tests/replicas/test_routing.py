"""Read-replica routing against a real primary and a real streaming hot standby.

One primary + standby pair per module (tests/support/replication.py), a real Django project on disk
(tests/replicas/project.py) migrated with manage.py, and the project served by gunicorn (WSGI) and uvicorn
(ASGI). Every view reports ``inet_server_port()`` of the server that answered, so the assertions compare
ports: the standby's port for replica reads, the primary's for everything else.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.replicas.project import write_project
from tests.support.postgres import free_port
from tests.support.replication import ReplicationPair

pytestmark = pytest.mark.postgres

PIN_SECONDS = 1.5
MAX_LAG_SECONDS = 1.0
CHECK_SECONDS = 0.2
COOLOFF_SECONDS = 1.0
DB = "app"
PROBE_APP_NAME = "djhelm-migrate-probe"


@pytest.fixture(scope="module")
def pair() -> Iterator[ReplicationPair]:
    pair = ReplicationPair.start()
    try:
        pair.primary.create_database(DB)
        pair.wait_caught_up()
        yield pair
    finally:
        pair.destroy()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_project(tmp_path_factory.mktemp("replica-project"))


def project_env(pair: ReplicationPair, project: Path, replica_query: str = "") -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_", "DJHELM_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "site_cfg.settings",
        "PYTHONPATH": str(project),
        "DATABASE_URL": pair.primary.url(DB),
        "DATABASE_REPLICA_URLS": pair.standby.url(DB) + replica_query,
        "DATABASE_REPLICA_WEIGHTS": "replica1=1",
        "DJHELM_REPLICA_PIN_SECONDS": str(PIN_SECONDS),
        "DJHELM_REPLICA_MAX_LAG_SECONDS": str(MAX_LAG_SECONDS),
        "DJHELM_REPLICA_CHECK_SECONDS": str(CHECK_SECONDS),
        "DJHELM_REPLICA_COOLOFF_SECONDS": str(COOLOFF_SECONDS),
        "STANDBY_DSN": pair.standby.dsn(DB),
        # The process registry's heartbeats commit on the primary every few seconds (a plain migrate creates
        # its table): these tests time replication on an otherwise idle primary, so it stays off here.
        "DJHELM_PROCESS_REGISTRY": "off",
    })
    return env


def manage(project: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=project, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def migrated(pair: ReplicationPair, project: Path) -> Path:
    result = manage(project, project_env(pair, project), "migrate", "--noinput")
    assert result.returncode == 0, result.stderr
    pair.wait_caught_up()
    return project


@dataclass
class Server:
    base: str
    process: subprocess.Popen[bytes]
    log: Path
    jar: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)

    def client(self) -> Client:
        return Client(self.base)


class Client:
    """A browser-like HTTP client: keeps cookies between requests."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
        request = urllib.request.Request(self.base + path, headers=headers or {})
        with self.opener.open(request, timeout=30) as response:
            assert response.status == 200
            return dict(json.loads(response.read()))

    def cookie_names(self) -> set[str]:
        return {cookie.name for cookie in self.jar}


def start_server(command: list[str], env: dict[str, str], port: int, log: Path, cwd: Path) -> Server:
    with open(log, "wb") as handle:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=handle, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()}")
        try:
            urllib.request.urlopen(base + "/aread", timeout=5).read()
            return Server(base, process, log)
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"server did not answer: {log.read_text()}")


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture(scope="module")
def wsgi_server(pair: ReplicationPair, migrated: Path) -> Iterator[Server]:
    port = free_port()
    server = start_server(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "site_cfg.wsgi:application"],
        project_env(pair, migrated), port, migrated.parent / "gunicorn.log", migrated)
    yield server
    stop_server(server)


@pytest.fixture(scope="module")
def asgi_server(pair: ReplicationPair, migrated: Path) -> Iterator[Server]:
    port = free_port()
    server = start_server(
        [sys.executable, "-m", "uvicorn", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
         "site_cfg.asgi:application"],
        project_env(pair, migrated), port, migrated.parent / "uvicorn.log", migrated)
    yield server
    stop_server(server)


@pytest.fixture(params=["wsgi", "asgi"])
def server(request: pytest.FixtureRequest) -> Server:
    return request.getfixturevalue(f"{request.param}_server")  # type: ignore[no-any-return]


def eventually(check: Callable[[], bool], attempts: int = 100, pause: float = 0.1) -> bool:
    """Poll ``check`` (no timing assertion: only whether the state is reached at all)."""
    for _ in range(attempts):
        if check():
            return True
        time.sleep(pause)
    return False


def replica_serving(client: Client, pair: ReplicationPair, path: str = "/read") -> bool:
    return eventually(lambda: client.get(path)["port"] == pair.standby.port)


# --- migrations ---------------------------------------------------------------------------------------------

def test_migrate_runs_on_the_primary_only(pair: ReplicationPair, migrated: Path) -> None:
    (migrated / "items/migrations/0002_item_note.py").write_text(textwrap.dedent("""
        from django.db import migrations, models


        class Migration(migrations.Migration):
            dependencies = [("items", "0001_initial")]
            operations = [migrations.AddField("item", "note", models.TextField(null=True))]
    """))
    # every replica connection this process might open carries PROBE_APP_NAME; the standby logs connections
    env = project_env(pair, migrated, f"?application_name={PROBE_APP_NAME}")

    routing = manage(migrated, env, "shell", "-v", "0", "-c",
                     "from django.db import router; "
                     "print(router.allow_migrate('replica_1', 'items'), "
                     "router.allow_migrate('default', 'items'))")
    assert routing.stdout.split() == ["False", "True"], routing.stderr

    # pending on the primary, yet `migrate --database replica_1` neither fails nor records anything there
    on_replica = manage(migrated, project_env(pair, migrated),
                        "migrate", "--database", "replica_1", "--noinput")
    assert on_replica.returncode == 0, on_replica.stderr
    assert "replica_1 is a read replica" in on_replica.stdout
    assert "Applying" not in on_replica.stdout
    recorded = "SELECT count(*) FROM django_migrations WHERE name = '0002_item_note'"
    assert pair.primary.psql(recorded, DB) == "0"
    for phase in ("pre", "post"):  # djhelm's own command refuses the replica alias just as cleanly
        phased = manage(migrated, project_env(pair, migrated),
                        "migrate_phase", phase, "--database", "replica_1")
        assert phased.returncode == 0, phased.stdout + phased.stderr
        assert "replica_1 is a read replica" in phased.stdout and '"event":"migration"' not in phased.stdout
    assert pair.primary.psql(recorded, DB) == "0"

    result = manage(migrated, env, "migrate", "--noinput")
    assert result.returncode == 0, result.stderr
    assert "Applying items.0002_item_note... OK" in result.stdout
    assert PROBE_APP_NAME not in pair.standby_log()

    # the schema reaches the standby by WAL replay, not by Django
    pair.wait_caught_up()
    columns = pair.standby.psql(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'items_item' ORDER BY 1", DB)
    assert "note" in columns.split()

    noop = manage(migrated, env, "migrate", "--database", "replica_1", "--noinput")
    assert noop.returncode == 0, noop.stderr
    assert "No migrations to apply" in noop.stdout

    # the detector works: a read from the same settings does connect to the standby under the probe name
    read = manage(migrated, env, "shell", "-v", "0", "-c",
                  "from items.views import read_port; print(read_port())")
    assert read.stdout.strip() == str(pair.standby.port), read.stderr
    assert f"application_name={PROBE_APP_NAME}" in pair.standby_log()


# --- routing ------------------------------------------------------------------------------------------------

def test_reads_go_to_the_replica_and_writes_to_the_primary(pair: ReplicationPair, server: Server) -> None:
    reader = server.client()
    assert replica_serving(reader, pair)
    assert reader.get("/aread")["port"] == pair.standby.port

    name = f"routing-{server.base.rsplit(':', 1)[1]}"
    wrote = server.client().get(f"/write?name={name}")
    assert wrote["written_on"] == pair.primary.port
    assert wrote["read_after_write"] == pair.primary.port
    stored = pair.primary.psql(f"SELECT port FROM items_item WHERE name = '{name}'", DB)
    assert stored == str(pair.primary.port)

    pair.wait_caught_up()
    assert reader.get("/read")["port"] == pair.standby.port
    assert reader.cookie_names() == set()


def test_reads_inside_a_transaction_use_the_primary(pair: ReplicationPair, wsgi_server: Server) -> None:
    client = wsgi_server.client()
    assert replica_serving(client, pair)
    assert client.get("/atomic-read")["port"] == pair.primary.port


def test_a_client_that_wrote_reads_from_the_primary_until_the_pin_expires(
        pair: ReplicationPair, server: Server) -> None:
    writer, other = server.client(), server.client()
    assert replica_serving(writer, pair)

    writer.get("/write?name=pinned")
    assert writer.cookie_names() == {"djhelm_pin"}
    assert writer.get("/read")["port"] == pair.primary.port
    assert writer.get("/aread")["port"] == pair.primary.port
    assert other.get("/read")["port"] == pair.standby.port  # only the writer is pinned

    pair.wait_caught_up()
    time.sleep(PIN_SECONDS + 0.2)
    assert writer.get("/read")["port"] == pair.standby.port


def test_a_forged_pin_cookie_is_ignored(pair: ReplicationPair, wsgi_server: Server) -> None:
    client = wsgi_server.client()
    assert replica_serving(client, pair)
    forged = {"Cookie": f"djhelm_pin={time.time() + 60:.3f}"}
    assert client.get("/read", headers=forged)["port"] == pair.standby.port


# --- failures -----------------------------------------------------------------------------------------------

def test_a_replica_failing_mid_request_is_retried_on_the_primary(
        pair: ReplicationPair, wsgi_server: Server) -> None:
    client = wsgi_server.client()
    assert replica_serving(client, pair)
    ports = client.get("/read-kill-read")["ports"]
    # first read on the standby; its session is killed; the same query is re-run on the primary, and the
    # replica sits out its cool-off
    assert ports == [pair.standby.port, pair.primary.port, pair.primary.port]
    assert "query failed" in wsgi_server.log.read_text()
    assert replica_serving(client, pair)


def test_a_stopped_replica_falls_back_to_the_primary(pair: ReplicationPair, wsgi_server: Server,
                                                    asgi_server: Server) -> None:
    clients = [wsgi_server.client(), asgi_server.client()]
    for client in clients:
        assert replica_serving(client, pair)
    pair.stop_standby()
    try:
        for client in clients:
            for path in ("/read", "/aread", "/read", "/read"):
                assert client.get(path)["port"] == pair.primary.port
    finally:
        pair.start_standby()
    for client in clients:
        assert replica_serving(client, pair)
    assert "unreachable" in wsgi_server.log.read_text()


def test_an_idle_primary_does_not_make_the_replica_look_late(
        pair: ReplicationPair, wsgi_server: Server) -> None:
    client = wsgi_server.client()
    assert replica_serving(client, pair)
    pair.wait_caught_up()
    # no commits for longer than the lag limit: now() - pg_last_xact_replay_timestamp() exceeds it,
    # but nothing is missing on the replica
    time.sleep(MAX_LAG_SECONDS + CHECK_SECONDS + 0.3)
    age = float(pair.standby.psql("SELECT EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())"))
    assert age > MAX_LAG_SECONDS
    assert client.get("/read")["port"] == pair.standby.port


def test_a_lagging_replica_is_skipped_until_it_catches_up(pair: ReplicationPair, wsgi_server: Server) -> None:
    client = wsgi_server.client()
    assert replica_serving(client, pair)
    pair.pause_replay()
    try:
        pair.primary.psql("INSERT INTO items_item (name) VALUES ('while-paused')", DB)
        time.sleep(MAX_LAG_SECONDS + CHECK_SECONDS + 0.3)
        for _ in range(3):
            answer = client.get("/read")
            assert answer["port"] == pair.primary.port
        assert answer["items"] == int(pair.primary.psql("SELECT count(*) FROM items_item", DB))
        assert "lags" in wsgi_server.log.read_text()
    finally:
        pair.resume_replay()
    pair.wait_caught_up()
    assert replica_serving(client, pair)


def test_tasks_and_commands_can_read_their_own_writes(pair: ReplicationPair, migrated: Path) -> None:
    script = textwrap.dedent("""
        from djhelm.runtime.replicas.state import read_your_writes, use_primary
        from items.models import Item
        from items.views import read_port

        ports = [read_port()]
        with read_your_writes():
            ports.append(read_port())
            Item.objects.create(name="task")
            ports.append(read_port())
        ports.append(read_port())
        with use_primary():
            ports.append(read_port())
        print(*ports)
    """)
    # Earlier tests' writes may still be replaying: a fresh process's first lag probe would then (rightly)
    # find the standby behind, judge the lag by its last replayed commit and read from the primary.
    pair.wait_caught_up()
    result = manage(migrated, project_env(pair, migrated), "shell", "-v", "0", "-c", script)
    assert result.returncode == 0, result.stderr
    standby, primary = pair.standby.port, pair.primary.port
    assert [int(port) for port in result.stdout.split()] == [standby, standby, primary, standby, primary]


def test_relations_are_allowed_between_the_primary_and_its_replicas_only(
        pair: ReplicationPair, migrated: Path) -> None:
    script = textwrap.dedent("""
        from django.db import router
        from items.models import Item

        on = {}
        for alias in ("default", "replica_1", "elsewhere"):
            on[alias] = Item(name=alias)
            on[alias]._state.db = alias
        print(router.allow_relation(on["default"], on["replica_1"]),
              router.allow_relation(on["replica_1"], on["default"]),
              router.allow_relation(on["default"], on["elsewhere"]))
    """)
    result = manage(migrated, project_env(pair, migrated), "shell", "-v", "0", "-c", script)
    assert result.returncode == 0, result.stderr
    # the last one is Django's own answer once the router abstains: only objects of the same alias
    assert result.stdout.split() == ["True", "True", "False"]


def test_a_lagging_replica_serves_no_thread_past_the_lag_bound(
        pair: ReplicationPair, migrated: Path, tmp_path: Path) -> None:
    """Threads share one process's health state: while one thread probes a replica whose check is due, the
    others must not read from it. WAL replay is paused on the real standby, so every read it answers
    after max_lag + check_seconds is stale beyond the documented bound."""
    from concurrent.futures import ThreadPoolExecutor

    port = free_port()
    threaded = start_server(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "--worker-class", "gthread", "--threads", "8", "site_cfg.wsgi:application"],
        project_env(pair, migrated), port, tmp_path / "gthread.log", migrated)
    try:
        clients = [threaded.client() for _ in range(8)]
        with ThreadPoolExecutor(8) as pool:
            assert all(pool.map(lambda c: replica_serving(c, pair), clients))
        pair.pause_replay()
        try:
            pair.primary.psql("INSERT INTO items_item (name) VALUES ('while-paused-threads')", DB)
            time.sleep(MAX_LAG_SECONDS + CHECK_SECONDS + 0.3)

            def hammer(client: Client) -> list[int]:
                return [client.get("/read")["port"] for _ in range(60)]

            with ThreadPoolExecutor(8) as pool:
                ports = [p for answers in pool.map(hammer, clients) for p in answers]
        finally:
            pair.resume_replay()
        stale = ports.count(pair.standby.port)
        assert len(ports) == 480
        assert stale == 0, f"{stale} of {len(ports)} reads came from the lagging replica"
        assert "lags" in threaded.log.read_text()
    finally:
        stop_server(threaded)
    pair.wait_caught_up()


def test_a_streamed_read_whose_replica_dies_mid_stream_raises_then_reads_recover(
        pair: ReplicationPair, wsgi_server: Server) -> None:
    """`.iterator()` fetches rows in chunks after the query ran; rows already handed to the caller cannot
    be taken back, so a replica that dies mid-stream is not retried on the primary (docs/replicas.md):
    the caller gets Django's OperationalError, and the following reads work."""
    for name in ("s1", "s2", "s3"):
        pair.primary.psql(f"INSERT INTO items_item (name) VALUES ('{name}')", DB)
    pair.wait_caught_up()
    client = wsgi_server.client()
    assert replica_serving(client, pair)
    answer = client.get("/stream-kill")
    assert answer["error"] == "OperationalError" and answer["module"] == "django.db.utils", answer
    # one row arrived before the replica's session ended (killing that session is what broke the stream)
    assert len(answer["ports"]) == 1
    # the broken session is closed at the end of that request; the replica itself is healthy again
    assert client.get("/read")["port"] in (pair.primary.port, pair.standby.port)
    assert replica_serving(client, pair)
