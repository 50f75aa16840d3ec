"""Read the web server from the command a project already runs in production (a Procfile's `web:` line for
Heroku, Dokku or honcho; a Dockerfile's CMD): it says more about the server, and WSGI vs ASGI, than the
settings that `startproject` wrote."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from djhelm.shell import runs_migrate, shell_commands

_LINE = re.compile(r"^([A-Za-z0-9_-]+):\s*(.+)$")
_ASGI_SERVERS = {"uvicorn", "daphne", "hypercorn"}
# The config schema's web.application: dotted module, colon, dotted attribute, optionally a factory call.
_APPLICATION = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*(\(\))?\Z", re.ASCII)
# Options of gunicorn/uvicorn that take a value (so the value is not mistaken for the application).
_VALUED = {
    "-b",
    "--bind",
    "-w",
    "--workers",
    "-k",
    "--worker-class",
    "-c",
    "--config",
    "-t",
    "--timeout",
    "--graceful-timeout",
    "--host",
    "--port",
    "--log-level",
    "--log-file",
    "--access-logfile",
    "--error-logfile",
    "--chdir",
    "--threads",
    "--max-requests",
    "--timeout-graceful-shutdown",
    "-p",
    "--forwarded-allow-ips",
    "--root-path",
    "--env-file",
    "--workers-per-core",
    "--pythonpath",
    "--interface",
    "--workers-kill-timeout",
    "--blocking-threads",
    "--http",
    "--loop",
}
# Servers the chart does not run, and why: init serves daphne's ASGI application with uvicorn, and for uwsgi
# falls back to the settings; either way it says so.
UNSUPPORTED = {
    "uwsgi": "uwsgi, whose SIGTERM reloads (or with --die-on-term drops) in-flight requests",
    "daphne": "daphne, which closes in-flight requests on SIGTERM",
}


@dataclass(frozen=True)
class ProcfileWeb:
    server: str  # gunicorn | uvicorn | granian; "" for a server the chart cannot run (see replaced)
    application: str  # module:attribute
    line: int
    interface: str = ""  # granian's --interface (wsgi | asgi)
    replaced: str = ""  # the program it runs when the chart runs another one (daphne -> uvicorn)
    source: str = "Procfile"  # the file of `line`

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}"


def _application(argv: list[str]) -> str | None:
    skip = False
    for arg in argv[1:]:
        if skip:
            skip = False
        elif arg in _VALUED:
            skip = True
        elif not arg.startswith("-"):
            module, _, attribute = arg.partition(":")
            # gunicorn accepts a bare module and looks for `application`.
            application = f"{module}:{attribute or 'application'}"
            # `$APP_MODULE` or a module with a dash cannot go into djhelm.yaml: fall back to the settings.
            return application if _APPLICATION.match(application) else None
    return None


def parse_command(argv: list[str], line: int) -> ProcfileWeb | None:
    """The web server a command runs (a Procfile's `web:` line, a Dockerfile's CMD), if djhelm knows it."""
    while argv and (argv[0] in ("exec", "python", "python3", "-m") or "=" in argv[0]):
        argv = argv[1:]  # `exec`, `python -m gunicorn`, `VAR=value gunicorn`
    if not argv:
        return None
    program = Path(argv[0]).name
    if program == "uwsgi":
        return ProcfileWeb("", "", line, replaced=program)  # the reader explains, then falls back
    application = _application(argv)
    if application is None:
        return None
    if program == "granian":
        interface = argv[argv.index("--interface") + 1] if "--interface" in argv[:-1] else "rsgi"
        if interface not in ("wsgi", "asgi"):
            return None  # RSGI is not a Django interface
        return ProcfileWeb("granian", application, line, interface)
    asgi_worker = any("uvicorn" in arg.lower() and "worker" in arg.lower() for arg in argv)
    if program in _ASGI_SERVERS or (program == "gunicorn" and asgi_worker):
        replaced = "" if program == "uvicorn" else program
        return ProcfileWeb("uvicorn", application, line, replaced=replaced)
    if program == "gunicorn":
        return ProcfileWeb("gunicorn", application, line)
    return None


def _web_line(root: Path) -> tuple[int, str] | None:
    """(line number, command) of the Procfile's `web:` process, if there is one."""
    try:
        lines = (root / "Procfile").read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    for number, raw in enumerate(lines, start=1):
        match = _LINE.match(raw.strip())
        if match and match.group(1) == "web":
            return number, match.group(2)
    return None


def migrate_in_web_line(root: Path) -> str | None:
    """"Procfile:LINE" when the `web:` line applies migrations before the server (Heroku's place for them
    is a `release:` line)."""
    web = _web_line(root)
    if web is not None and any(runs_migrate(argv) for argv in shell_commands(web[1])):
        return f"Procfile:{web[0]}"
    return None


def read_procfile(root: Path) -> ProcfileWeb | None:
    web = _web_line(root)
    if web is None:
        return None
    for argv in reversed(shell_commands(web[1])):  # `migrate && gunicorn ...`: the last serves
        found = parse_command(argv, web[0])
        if found is not None:
            return found
    return None
