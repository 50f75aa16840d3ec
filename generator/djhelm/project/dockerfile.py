"""What a project's Dockerfile says that init can use: the path of its own HEALTHCHECK."""

from __future__ import annotations

import re
from pathlib import Path

from djhelm.errors import InputError
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


def healthcheck_path(root: Path) -> tuple[str, str] | None:
    """(path, "Dockerfile:LINE") of the local URL the Dockerfile's HEALTHCHECK requests, if it has one."""
    for candidate in (root / "Dockerfile", root.parent / "Dockerfile"):
        if not candidate.is_file():
            continue
        try:
            text = read_regular_file(candidate, _LIMIT, "Dockerfile").decode("utf-8", errors="replace")
        except (InputError, OSError):
            continue  # an unreadable Dockerfile only means no hint from it
        for number, line in _logical_lines(text):
            match = _HEALTHCHECK.match(line)
            if match is None or match.group("body").strip().upper().startswith("NONE"):
                continue
            url = _LOCAL_URL.search(match.group("body"))
            if url:
                return url.group(1).split("?")[0] or "/", f"{candidate.name}:{number}"
    return None
