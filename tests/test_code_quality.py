"""ruff and mypy stay clean: the style guide's promise, checked where CI can see it."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO_ROOT


def _tool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )


def test_ruff_is_clean() -> None:
    result = _tool("ruff", "check", "generator", "tests", "benchmarks", "scripts")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean() -> None:
    result = _tool("mypy")
    assert result.returncode == 0, result.stdout + result.stderr
