"""One JSON object per line, so log pipelines (and the tests) can read what each migration did."""

from __future__ import annotations

import json


def json_line(event: str, **fields: object) -> str:
    return json.dumps({"event": event, **fields}, separators=(",", ":"), default=str)


def migration_line(
    *, app: str, name: str, phase: str, duration_ms: int, retries: int, outcome: str, error: str | None = None
) -> str:
    fields: dict[str, object] = {
        "app": app,
        "name": name,
        "phase": phase,
        "duration_ms": duration_ms,
        "retries": retries,
        "outcome": outcome,
    }
    if error is not None:
        fields["error"] = error
    return json_line("migration", **fields)
