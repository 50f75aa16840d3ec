"""A throwaway PostgreSQL for one rehearsal: initdb into a temporary folder, start on a free loopback port,
remove everything afterwards.

The server binaries come from PATH, from `pg_config --bindir`, or from Debian's /usr/lib/postgresql/<N>/bin
(where `apt install postgresql` puts them, off PATH). No wheel is downloaded: a rehearsal should run against
the PostgreSQL major the team runs, which their package manager already gives them.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from djhelm.errors import RehearsalError, ToolMissingError

_START_TIMEOUT_SECONDS = 60


def server_bin_dir() -> Path:
    """The folder holding initdb and pg_ctl."""
    found = shutil.which("initdb")
    if found:
        return (
            Path(found).resolve().parent
        )  # the real folder: a symlink in /usr/local/bin has no pg_ctl beside it
    pg_config = shutil.which("pg_config")
    if pg_config:
        done = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        candidate = Path(done.stdout.strip())
        if done.returncode == 0 and (candidate / "initdb").exists():
            return candidate
    debian = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if debian:
        return debian[-1].parent
    raise ToolMissingError(
        "PostgreSQL's server binaries (initdb, pg_ctl) were not found on PATH, by pg_config or under "
        "/usr/lib/postgresql: install PostgreSQL (Debian/Ubuntu: apt install postgresql), or rehearse "
        "against a database you have with --database-url URL --yes"
    )


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _as_owner() -> list[str]:
    # PostgreSQL refuses to run as root: as root, run it as the `postgres` system user the package creates.
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


@dataclass(frozen=True)
class Database:
    url: str
    log: Path | None  # the server's log, when the rehearsal started the server


def failed_statements(log: Path) -> list[tuple[str, str, str]]:
    """(application_name, error, statement) of every failed statement the server logged."""
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return []
    found = []
    pending: tuple[str, str] | None = None
    for line in lines:
        application, _, text = line.partition("|")
        if text.startswith("ERROR:"):
            pending = (application, text.removeprefix("ERROR:").strip())
        elif text.startswith("STATEMENT:") and pending is not None:
            found.append((pending[0], pending[1], text.removeprefix("STATEMENT:").strip()[:300]))
            pending = None
    return found


@contextmanager
def throwaway_postgres() -> Iterator[Database]:
    """Yields the URL of an empty database on a server that exists only inside the block."""
    binaries = server_bin_dir()
    folder = Path(tempfile.mkdtemp(prefix="djhelm-rehearse-pg-"))
    data = folder / "data"
    port = free_port()
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    folder.chmod(0o700)
    try:
        _run(
            [
                *_as_owner(),
                str(binaries / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale",
                "C",
            ]
        )
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(port),
            "unix_socket_directories": f"'{folder}'",
            # a rehearsal's data is thrown away: durability only costs time here
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "300",
            # each failed statement with the session's application_name (djhelm-rehearse:<pod>): whose
            # code sent it, and the SQL itself, for the report
            "log_line_prefix": "'%a|'",
            "log_min_error_statement": "error",
        }
        with open(data / "postgresql.auto.conf", "a", encoding="utf-8") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        if os.geteuid() == 0:
            shutil.chown(data / "postgresql.auto.conf", "postgres", "postgres")
        _run(
            [
                *_as_owner(),
                str(binaries / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(folder / "server.log"),
                "-w",
                "-t",
                str(_START_TIMEOUT_SECONDS),
                "start",
            ]
        )
        _run(
            [
                *_as_owner(),
                str(binaries / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-U",
                "postgres",
                "rehearsal",
            ]
        )
        yield Database(f"postgres://postgres@127.0.0.1:{port}/rehearsal", folder / "server.log")
    finally:
        subprocess.run(
            [*_as_owner(), str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(folder, ignore_errors=True)


def _run(argv: list[str]) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        program = Path(argv[len(_as_owner())]).name
        raise RehearsalError(f"{program} failed: {(done.stderr or done.stdout).strip()[-2000:]}")
