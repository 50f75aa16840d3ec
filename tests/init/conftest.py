"""Helpers for `djhelm init` tests: project trees written inline into tmp dirs, and a CLI runner."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from djhelm.cli import app

REPO_ROOT = Path(__file__).resolve().parents[2]


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return root


MANAGE_PY = """
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{module}")
    from django.core.management import execute_from_command_line
    execute_from_command_line(sys.argv)
"""


def manage_py(module: str) -> str:
    return MANAGE_PY.replace("{module}", module)


@pytest.fixture
def run_init() -> Callable[..., object]:
    runner = CliRunner()

    def run(*args: str) -> object:
        return runner.invoke(app, ["init", *args], catch_exceptions=False, terminal_width=200)

    return run


@pytest.fixture
def example_copy(tmp_path: Path) -> Callable[[str], Path]:
    """A copy of examples/<name> without its committed djhelm.yaml, so init writes a fresh one."""

    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(REPO_ROOT / "examples" / name, target,
                        ignore=shutil.ignore_patterns("djhelm.yaml", "__pycache__", "staticfiles"))
        return target

    return copy
