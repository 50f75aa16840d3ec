"""Every command's exit status means one thing (djhelm.errors.ExitCode), and a djhelm bug in any command is a
one-line report with exit 3, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

import djhelm.chart
import djhelm.validation.service
from djhelm.errors import ExitCode
from tests.chart.support import example_config, run_cli


def _boom(*_args: object, **_kwargs: object) -> None:
    raise RuntimeError("boom")


@pytest.mark.parametrize(("target", "command"), [
    ((djhelm.chart, "render_chart"), ["render", str(example_config("shop")), "--output", "OUT"]),
    ((djhelm.validation.service, "validate_per_version"), ["validate", "MANIFEST"]),
])
def test_a_bug_is_one_line_and_exit_3(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                      target: tuple[object, str], command: list[str]) -> None:
    monkeypatch.setattr(*target, _boom)
    from typer.testing import CliRunner

    from djhelm.cli import app

    manifest = tmp_path / "app.yaml"
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    arguments = {"OUT": str(tmp_path / "out"), "MANIFEST": str(manifest)}
    result = CliRunner().invoke(app, [arguments.get(a, a) for a in command])
    assert result.exit_code == ExitCode.INTERNAL, result.output
    assert result.stderr.startswith("internal error: RuntimeError: boom"), result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()


def test_the_codes_are_the_documented_ones() -> None:
    assert [int(code) for code in ExitCode] == [0, 1, 2, 3]
    result = run_cli("render", str(Path("no-such-djhelm.yaml")), "--output", "x")
    assert result.exit_code == ExitCode.INPUT
