"""Helpers for the chart tests: render a config into a tmp dir and run the real helm binaries on it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from djhelm.cli import app

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ("shop", "events")


def example_config(name: str) -> Path:
    return REPO_ROOT / "examples" / name / "djhelm.yaml"


def committed_chart(name: str) -> Path:
    return REPO_ROOT / "charts" / name


def run_cli(*args: str) -> Any:
    """Run djhelm in-process; returns typer's Result (exit_code, stdout, stderr)."""
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def render(config: Path, output: Path) -> Path:
    result = run_cli("render", str(config), "--output", str(output))
    assert result.exit_code == 0, result.stderr
    return output


def helm_template(helm: str, chart: Path, *extra: str, kube_version: str = "1.37") -> str:
    proc = subprocess.run(
        [helm, "template", "rel", str(chart), "--namespace", "ns", "--kube-version", kube_version, *extra],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def manifests(text: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(text) if doc]


def by_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [doc for doc in docs if doc["kind"] == kind]


def named(docs: list[dict[str, Any]], kind: str, suffix: str) -> dict[str, Any]:
    matches = [doc for doc in by_kind(docs, kind) if doc["metadata"]["name"].endswith(suffix)]
    assert len(matches) == 1, [doc["metadata"]["name"] for doc in by_kind(docs, kind)]
    return matches[0]


DJHELM = str(Path(sys.executable).parent / "djhelm")


def validate_text(manifests_text: str, *kube_versions: str) -> subprocess.CompletedProcess[str]:
    """`djhelm validate -` (the installed console script) on rendered manifests."""
    flags = [flag for version in kube_versions for flag in ("--kube-version", version)]
    return subprocess.run([DJHELM, "validate", "-", *flags], input=manifests_text, capture_output=True,
                          text=True, check=False)


def pod_templates(docs: list[dict[str, Any]]) -> list[tuple[str, str, dict[str, Any]]]:
    """(kind, name, pod template) of every Deployment, Job and CronJob."""
    found = []
    for doc in docs:
        if doc["kind"] in ("Deployment", "Job"):
            found.append((doc["kind"], doc["metadata"]["name"], doc["spec"]["template"]))
        elif doc["kind"] == "CronJob":
            template = doc["spec"]["jobTemplate"]["spec"]["template"]
            found.append((doc["kind"], doc["metadata"]["name"], template))
    return found


def helm_refusal(helm: str, chart: Path, values: dict[str, Any], tmp_path: Path) -> str:
    """stderr of `helm template` with ``values``; fails the test when Helm accepts them."""
    values_file = tmp_path / "refused-values.yaml"
    values_file.write_text(yaml.safe_dump(values))
    result = subprocess.run([helm, "template", "rel", str(chart), "-f", str(values_file)],
                            capture_output=True, text=True, check=False)
    assert result.returncode != 0, f"helm accepted {values}"
    return result.stderr
