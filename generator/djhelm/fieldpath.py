"""One spelling of a path into a YAML/JSON document, shared by config errors and manifest findings."""

from __future__ import annotations

import json
from collections.abc import Iterable


def dotted(path: Iterable[str | int]) -> str:
    """``("web", "port")`` -> ``web.port``; list items as ``hostnames[0]``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif not part.isprintable():
            # A key with a newline or escape sequence must not break a one-line message or drive a terminal.
            text += f"[{json.dumps(part)}]"
        else:
            text += f".{part}" if text else str(part)
    return text
