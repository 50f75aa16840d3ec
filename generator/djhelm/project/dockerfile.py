"""What a project's Dockerfile says that init can use: the path of its own HEALTHCHECK, and the web server
its CMD (or ENTRYPOINT) starts."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

from djhelm.errors import InputError
from djhelm.project.procfile import ProcfileWeb, parse_command
from djhelm.shell import runs_migrate, shell_commands
from djhelm.userfile import read_regular_file

_LIMIT = 1_000_000

# http://localhost:8000/health/ , http://127.0.0.1/ping , http://0.0.0.0:8080/-/ready?x=1
_LOCAL_URL = re.compile(
    r"https?://(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])(?::\d+)?(/[!-~]*?)(?=[\s'\"]|\Z)"
)
_HEALTHCHECK = re.compile(r"^\s*HEALTHCHECK\b(?P<body>.*)$", re.IGNORECASE)


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """(first line number, text) with backslash continuations joined."""
    lines: list[tuple[int, str]] = []
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not pending:
            start = number
        stripped = raw.rstrip()
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        lines.append((start, pending + stripped))
        pending = ""
    if pending:
        lines.append((start, pending))
    return lines


def dockerfile_lines(root: Path) -> list[tuple[Path, list[tuple[int, str]]]]:
    """The Dockerfiles beside manage.py and one folder up, as logical lines (unreadable ones skipped)."""
    found = []
    for candidate in (root / "Dockerfile", root.parent / "Dockerfile"):
        if not candidate.is_file():
            continue
        try:
            text = read_regular_file(candidate, _LIMIT, "Dockerfile").decode("utf-8", errors="replace")
        except (InputError, OSError):
            continue  # an unreadable Dockerfile only means no hint from it
        found.append((candidate, _logical_lines(text)))
    return found


_INSTRUCTION = re.compile(r"^\s*(CMD|ENTRYPOINT)\s+(?P<body>.+)$", re.IGNORECASE)


def _words(body: str) -> list[list[str]]:
    """An instruction's commands: exec form (a JSON array, `sh -c "..."` opened up) or shell form."""
    body = body.strip()
    if body.startswith("["):
        try:
            argv = json.loads(body)
        except ValueError:
            return []
        if not isinstance(argv, list) or not all(isinstance(word, str) for word in argv):
            return []
        if len(argv) >= 3 and Path(argv[0]).name in ("sh", "bash") and argv[1] == "-c":
            return shell_commands(argv[2])
        return [argv]
    return shell_commands(body)


def web_command(root: Path) -> ProcfileWeb | None:
    """The web server the image starts: the last CMD of the Dockerfile (its final stage), or the
    ENTRYPOINT followed by it when the ENTRYPOINT is the server."""
    for candidate, lines in dockerfile_lines(root):
        last: dict[str, tuple[int, list[list[str]]]] = {}
        for number, line in lines:
            match = _INSTRUCTION.match(line)
            if match:
                last[match.group(1).upper()] = (number, _words(match.group("body")))
        tries: list[tuple[int, list[str]]] = []
        if "CMD" in last:
            number, commands = last["CMD"]
            tries += [(number, argv) for argv in reversed(commands)]
        if "ENTRYPOINT" in last:
            number, commands = last["ENTRYPOINT"]
            cmd_words = last["CMD"][1][-1] if "CMD" in last and last["CMD"][1] else []
            tries += [(number, [*argv, *cmd_words]) for argv in reversed(commands)]
        for number, argv in tries:
            found = parse_command(argv, number)
            if found is not None:
                return replace(found, source="Dockerfile" if candidate.parent == root else "../Dockerfile")
    return None


def migrate_in_web_command(root: Path) -> str | None:
    """"Dockerfile:LINE" when the image's CMD applies migrations before it serves (`migrate && gunicorn`)."""
    for candidate, lines in dockerfile_lines(root):
        last: tuple[int, str] | None = None
        for number, line in lines:
            match = _INSTRUCTION.match(line)
            if match and match.group(1).upper() == "CMD":
                last = (number, match.group("body"))
        if last is not None and any(runs_migrate(argv) for argv in _words(last[1])):
            return f"{'Dockerfile' if candidate.parent == root else '../Dockerfile'}:{last[0]}"
    return None


def healthcheck_path(root: Path) -> tuple[str, str] | None:
    """(path, "Dockerfile:LINE") of the local URL the Dockerfile's HEALTHCHECK requests, if it has one."""
    for candidate, lines in dockerfile_lines(root):
        for number, line in lines:
            match = _HEALTHCHECK.match(line)
            if match is None or match.group("body").strip().upper().startswith("NONE"):
                continue
            url = _LOCAL_URL.search(match.group("body"))
            if url:
                return url.group(1).split("?")[0] or "/", f"{candidate.name}:{number}"
    return None
