"""kubeconform as a second opinion. The real binary cannot be installed on this machine (no registry here
ships it), so these tests put a stand-in script named kubeconform on PATH (tests/validate/fake_kubeconform.py,
which validates for real with jsonschema against the schemas djhelm writes for it). Without kubeconform on
PATH, djhelm skips this step silently.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import Result
from typer.testing import CliRunner

from djhelm.cli import app
from djhelm.validation import kubeconform
from tests.validate.support import FIXTURES, web
from tests.validate.support import app as app_objects


def fake_on_path(tmp_path: Path) -> dict[str, str]:
    script = Path(__file__).with_name("fake_kubeconform.py")
    binary = tmp_path / "bin" / "kubeconform"
    binary.parent.mkdir()
    binary.write_text(
        f"#!{sys.executable}\nimport runpy, sys\nsys.argv[0] = {str(script)!r}\n"
        f"runpy.run_path({str(script)!r}, run_name='__main__')\n"
    )
    binary.chmod(0o755)
    return {
        "PATH": f"{binary.parent}{os.pathsep}{os.environ['PATH']}",
        "FAKE_KUBECONFORM_LOG": str(tmp_path / "calls.log"),
    }


def invoke(env: dict[str, str], *args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(app, ["validate", *args], input=input, env=env, terminal_width=200)


def calls(tmp_path: Path) -> list[list[str]]:
    log = tmp_path / "calls.log"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_kubeconform_runs_strict_per_version_offline(tmp_path: Path) -> None:
    env = fake_on_path(tmp_path)
    result = invoke(env, str(FIXTURES / "app.yaml"), "-k", "1.29,1.37")
    assert result.exit_code == 0, result.output
    made = calls(tmp_path)
    assert len(made) == 2
    assert all("-strict" in c and "-schema-location" in c for c in made)
    assert [c[c.index("-kubernetes-version") + 1] for c in made] == ["1.29.0", "1.37.0"]


def test_kubeconform_findings_are_reported(tmp_path: Path) -> None:
    env = fake_on_path(tmp_path)
    objects = app_objects()
    web(objects)["imagePullPolicyy"] = "Always"
    result = invoke(env, "-", "-k", "1.37", "-f", "json", input=yaml.safe_dump_all(objects))
    assert result.exit_code == 1
    kubeconform = [f for f in json.loads(result.output)["findings"] if f["rule"] == "K8S005"]
    assert len(kubeconform) == 1
    assert kubeconform[0]["location"]["file"] == "<stdin>"
    assert "Deployment/shop-web" in kubeconform[0]["message"]
    assert "imagePullPolicyy" in kubeconform[0]["message"]


def test_kubeconform_can_be_turned_off(tmp_path: Path) -> None:
    env = fake_on_path(tmp_path)
    result = invoke(env, str(FIXTURES / "app.yaml"), "--kubeconform-binary", "none")
    assert result.exit_code == 0
    assert calls(tmp_path) == []


def test_a_hanging_kubeconform_becomes_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    binary = tmp_path / "bin" / "kubeconform"
    binary.parent.mkdir()
    binary.write_text(f"#!{sys.executable}\nimport time\ntime.sleep(30)\n")
    binary.chmod(0o755)
    monkeypatch.setattr(kubeconform, "KUBECONFORM_TIMEOUT_SECONDS", 1)
    env = {"PATH": f"{binary.parent}{os.pathsep}{os.environ['PATH']}"}
    result = invoke(env, str(FIXTURES / "app.yaml"), "-k", "1.37", "-f", "json")
    assert result.exit_code == 0, result.output
    warnings = [f for f in json.loads(result.output)["findings"] if f["rule"] == "K8S005"]
    assert len(warnings) == 1 and "did not finish in 1 s" in warnings[0]["message"], warnings
