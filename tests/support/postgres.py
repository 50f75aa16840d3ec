"""A real PostgreSQL server for tests: initdb into a temp dir, start on a free loopback port, stop at the end.

PostgreSQL refuses to run as root, so when the tests run as root the server runs as the 'postgres'
system user (created by Debian's postgresql package) in a directory that user owns.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

PG_BIN_CANDIDATES = [Path("/usr/lib/postgresql/15/bin"), Path("/usr/lib/postgresql/16/bin")]


def pg_bin(name: str) -> str:
    for directory in PG_BIN_CANDIDATES:
        if (directory / name).exists():
            return str(directory / name)
    found = shutil.which(name)
    if found:
        return found
    raise RuntimeError(
        f"PostgreSQL binary {name!r} not found: run scripts/setup.sh (installs Debian's postgresql)"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run_as_owner() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


@dataclass
class PostgresServer:
    """One PostgreSQL cluster. ``start()`` runs initdb (unless ``from_base_backup``) and pg_ctl start."""

    datadir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="djhelm-pg-")))
    port: int = field(default_factory=free_port)
    user: str = "postgres"
    extra_conf: dict[str, str] = field(default_factory=dict)

    @property
    def host(self) -> str:
        return "127.0.0.1"

    def url(self, dbname: str = "postgres") -> str:
        return f"postgres://{self.user}@{self.host}:{self.port}/{dbname}"

    def dsn(self, dbname: str = "postgres") -> str:
        return f"host={self.host} port={self.port} user={self.user} dbname={dbname}"

    def _own(self, path: Path) -> None:
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            for sub in [path, *path.rglob("*")]:
                os.chown(sub, owner.pw_uid, owner.pw_gid)

    def _pg(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*_run_as_owner(), *args], check=check, capture_output=True, text=True)

    def init(self) -> None:
        self.datadir.chmod(0o700)
        self._own(self.datadir)
        self._pg(pg_bin("initdb"), "-D", str(self.datadir / "data"), "-U", self.user, "-A", "trust",
                 "--no-sync", "-E", "UTF8", "--locale", "C")

    def write_conf(self) -> None:
        conf = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.datadir}'",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "200",
            **self.extra_conf,
        }
        with open(self.datadir / "data" / "postgresql.auto.conf", "a") as handle:
            for key, value in conf.items():
                handle.write(f"{key} = {value}\n")
        self._own(self.datadir)

    def start(self) -> PostgresServer:
        if not (self.datadir / "data" / "PG_VERSION").exists():
            self.init()
        self.write_conf()
        result = self._pg(pg_bin("pg_ctl"), "-D", str(self.datadir / "data"), "-l",
                          str(self.datadir / "server.log"), "-w", "-t", "60", "start", check=False)
        if result.returncode != 0:
            log = (self.datadir / "server.log").read_text() if (self.datadir / "server.log").exists() else ""
            raise RuntimeError(f"PostgreSQL did not start: {result.stderr}\n{log}")
        return self

    def stop(self, mode: str = "fast") -> None:
        self._pg(pg_bin("pg_ctl"), "-D", str(self.datadir / "data"), "-m", mode, "-w", "stop", check=False)

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.datadir, ignore_errors=True)

    def psql(self, sql: str, dbname: str = "postgres") -> str:
        command = [pg_bin("psql"), "-X", "-At", "-v", "ON_ERROR_STOP=1", self.dsn(dbname), "-c", sql]
        result = subprocess.run(command, check=True, capture_output=True, text=True)
        return result.stdout.strip()

    def create_database(self, name: str) -> str:
        self.psql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if subprocess.run([pg_bin("pg_isready"), "-h", self.host, "-p", str(self.port)],
                              capture_output=True).returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError(f"PostgreSQL on port {self.port} not ready after {timeout}s")
