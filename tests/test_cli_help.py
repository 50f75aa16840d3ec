"""The command line's own surface: --version, and help text that names its placeholders."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from djhelm import __version__
from djhelm.cli import app

COMMANDS = [[], ["render"], ["init"], ["validate"], ["migrations"], ["migrations", "check"],
            ["migrations", "rules"]]


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output == f"djhelm {__version__}\n"


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "djhelm")
def test_help_shows_no_type_placeholders(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    options = [line for line in result.output.splitlines() if line.strip().startswith("-")]
    assert options, result.output
    assert [line for line in options if re.search(r"<\w+(\[\w+\])?>", line)] == []
