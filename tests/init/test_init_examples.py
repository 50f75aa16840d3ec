"""`djhelm init` on the two example projects and on a fresh `django-admin startproject`."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from djhelm.cli import app
from djhelm.config import load_config, parse_config
from tests.init.conftest import REPO_ROOT


def _init(run_init: Callable[..., Any], project: Path) -> dict[str, Any]:
    result = run_init(str(project))
    assert result.exit_code == 0, result.output
    text = (project / "djhelm.yaml").read_text()
    parse_config(text, "djhelm.yaml")  # the schema and the config checks accept it as written
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


def _is_reference(value: object) -> bool:
    allowed = {"secretName", "key", "optional"}
    return isinstance(value, dict) and {"secretName", "key"} <= set(value) <= allowed


def test_shop(run_init: Callable[..., Any], example_copy: Callable[[str], Path]) -> None:
    data = _init(run_init, example_copy("shop"))
    assert data["name"] == "shop"
    assert data["django"] == {"settingsModule": "shop.settings", "projectDir": "."}
    assert data["web"]["server"] == "gunicorn"
    assert data["web"]["application"] == "shop.wsgi:application"
    assert data["web"]["readinessPath"] == "/healthz/ready"
    assert data["web"]["livenessPath"] == "/healthz/live"
    assert "processes" not in data
    assert _is_reference(data["secretEnv"]["SECRET_KEY"])
    assert _is_reference(data["database"]["url"])
    assert "DATABASE_URL" not in data["env"] and "DATABASE_URL" not in data["secretEnv"]
    assert data["env"]["DJANGO_ALLOWED_HOSTS"] == "shop.example.com"
    assert data["env"]["DEBUG"] == "false"
    # Variables with a default in the code are offered, commented out, not forced on the user.
    assert "DJANGO_LOG_LEVEL" not in data["env"]
    assert data["migrations"]["phases"] is True  # djhelm.runtime is in INSTALLED_APPS


def test_events(run_init: Callable[..., Any], example_copy: Callable[[str], Path]) -> None:
    project = example_copy("events")
    data = _init(run_init, project)
    assert data["name"] == "events"
    assert data["web"]["server"] == "uvicorn"
    assert data["web"]["application"] == "events.asgi:application"
    assert data["processes"]["worker"]["kind"] == "celery-worker"
    assert data["processes"]["worker"]["app"] == "events.celery:app"
    assert data["processes"]["beat"] == {"kind": "celery-beat", "app": "events.celery:app"}
    assert _is_reference(data["secretEnv"]["CELERY_BROKER_URL"])
    assert _is_reference(data["secretEnv"]["SECRET_KEY"])
    # The settings treat a missing CELERY_RESULT_BACKEND as "no results": the pod must start without it.
    assert data["secretEnv"]["CELERY_RESULT_BACKEND"]["optional"] is True
    assert "optional" not in data["secretEnv"]["CELERY_BROKER_URL"]
    text = (project / "djhelm.yaml").read_text()
    # The broker default in settings.py never leaks into the config as a value.
    assert "redis://localhost" not in text


def test_every_secret_is_a_reference(run_init: Callable[..., Any],
                                     example_copy: Callable[[str], Path]) -> None:
    for name in ("shop", "events"):
        data = _init(run_init, example_copy(name))
        assert data["secretEnv"], name
        assert all(_is_reference(value) for value in data["secretEnv"].values())
        assert all(isinstance(value, str) for value in data["env"].values())


def test_output_is_deterministic(run_init: Callable[..., Any], example_copy: Callable[[str], Path]) -> None:
    project = example_copy("events")
    first = _init(run_init, project)
    before = (project / "djhelm.yaml").read_bytes()
    result = run_init(str(project), "--force")
    assert result.exit_code == 0, result.output
    assert (project / "djhelm.yaml").read_bytes() == before
    assert first


def test_output_elsewhere_points_back_at_the_project(run_init: Callable[..., Any],
                                                     example_copy: Callable[[str], Path],
                                                     tmp_path: Path) -> None:
    project = example_copy("shop")
    target = tmp_path / "deploy" / "shop.yaml"
    target.parent.mkdir()
    result = run_init(str(project), "--output", str(target))
    assert result.exit_code == 0, result.output
    assert not (project / "djhelm.yaml").exists()
    config = load_config(target)
    assert config.data["django"]["projectDir"] == "../shop"
    assert config.project_dir == project.resolve()


def test_startproject(run_init: Callable[..., Any], tmp_path: Path) -> None:
    """A project exactly as `django-admin startproject` writes it: hard-coded settings, no health URLs."""
    project = tmp_path / "site"
    project.mkdir()
    subprocess.run([sys.executable, "-m", "django", "startproject", "mysite", str(project)], check=True)
    result = run_init(str(project))
    assert result.exit_code == 0, result.output
    text = (project / "djhelm.yaml").read_text()
    data = parse_config(text, "djhelm.yaml")
    assert data["name"] == "mysite"
    assert data["django"]["settingsModule"] == "mysite.settings"
    assert data["web"]["server"] == "gunicorn"
    assert data["web"]["application"] == "mysite.wsgi:application"
    assert data["migrations"]["phases"] is False  # no djhelm.runtime in INSTALLED_APPS
    assert data["monitoring"]["enabled"] is False  # no exporter in INSTALLED_APPS
    assert "monitoring: {enabled: false}" in text and "add django-prometheus to the image" in text
    assert _is_reference(data["secretEnv"]["SECRET_KEY"])
    # What the user must change is said in the file and on the terminal.
    assert "TODO: not found in urls.py" in text
    assert "SECRET_KEY is written in the code (mysite/settings.py:" in text
    assert "settings do not read DATABASE_URL" in text
    assert "check: SECRET_KEY is written in the code" in result.output


@pytest.mark.parametrize("name", ["shop", "events", "startproject"])
def test_render_accepts_init_output(name: str, run_init: Callable[..., Any],
                                    example_copy: Callable[[str], Path], tmp_path: Path) -> None:
    if name == "startproject":
        project = tmp_path / "site"
        project.mkdir()
        subprocess.run([sys.executable, "-m", "django", "startproject", "mysite", str(project)], check=True)
    else:
        project = example_copy(name)
    _init(run_init, project)
    out = tmp_path / "chart"
    result = CliRunner().invoke(app, ["render", str(project / "djhelm.yaml"), "--output", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert (out / "Chart.yaml").is_file()


@pytest.mark.helm
def test_helm_accepts_the_chart_of_a_fresh_startproject(run_init: Callable[..., Any], tmp_path: Path,
                                                        helm: str) -> None:
    project = tmp_path / "site"
    project.mkdir()
    subprocess.run([sys.executable, "-m", "django", "startproject", "mysite", str(project)], check=True)
    _init(run_init, project)
    chart = tmp_path / "chart"
    result = CliRunner().invoke(app, ["render", str(project / "djhelm.yaml"), "--output", str(chart)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lint = subprocess.run([helm, "lint", str(chart)], capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    rendered = subprocess.run([helm, "template", "mysite", str(chart)], capture_output=True, text=True)
    assert rendered.returncode == 0, rendered.stderr
    documents = [doc for doc in yaml.safe_load_all(rendered.stdout) if doc]
    deployments = [d for d in documents if d["kind"] == "Deployment"]
    deployment = next(d for d in deployments if d["metadata"]["name"].endswith("web"))
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert "mysite.wsgi:application" in " ".join(container.get("command", []) + container.get("args", []))


@pytest.mark.parametrize("name", ["shop", "events"])
def test_committed_example_configs_agree_with_what_init_reads(name: str, run_init: Callable[..., Any],
                                                              example_copy: Callable[[str], Path]) -> None:
    """examples/<name>/djhelm.yaml is written by hand; the facts init reads from the project must match it."""
    generated = _init(run_init, example_copy(name))
    committed = yaml.safe_load((REPO_ROOT / "examples" / name / "djhelm.yaml").read_text())
    assert committed["django"]["settingsModule"] == generated["django"]["settingsModule"]
    for key in ("server", "application", "readinessPath", "livenessPath"):
        assert committed["web"].get(key) == generated["web"][key], key
    apps = {process["kind"]: process["app"] for process in generated.get("processes", {}).values()}
    assert {p["kind"]: p["app"] for p in committed.get("processes", {}).values()} == apps
    # Both examples export request metrics (django_prometheus), so init turns monitoring on as they do.
    assert generated["monitoring"]["enabled"] is committed["monitoring"]["enabled"] is True
    # Every secret the settings cannot do without is supplied by the committed config.
    required = {k for k, ref in generated["secretEnv"].items() if not ref.get("optional")}
    assert required <= set(committed.get("secretEnv", {}))
