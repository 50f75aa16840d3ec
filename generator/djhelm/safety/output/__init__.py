"""Render verdicts as text, json, sarif or GitHub annotations. Pure: verdicts in, a string out."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from djhelm.safety.model import MigrationVerdict
from djhelm.safety.output import github, jsonout, sarif, text

FORMATS = ("text", "json", "sarif", "github")


def render(fmt: str, verdicts: Sequence[MigrationVerdict], base: Path) -> str:
    """``base``: paths are shown relative to it when the file is under it (else absolute)."""
    if fmt == "json":
        return jsonout.render(verdicts, base)
    if fmt == "sarif":
        return sarif.render(verdicts, base)
    if fmt == "github":
        return github.render(verdicts, base)
    return text.render(verdicts, base)
