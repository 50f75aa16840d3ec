"""`djhelm init` on bad input: clear errors (file, problem, fix), exit 2, no traceback, nothing written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.init.conftest import manage_py, write_tree

GOOD_SETTINGS = """
import os
SECRET_KEY = os.environ["SECRET_KEY"]
ROOT_URLCONF = "proj.urls"
WSGI_APPLICATION = "proj.wsgi.application"
"""

BAD_PROJECTS: dict[str, tuple[dict[str, str], list[str]]] = {
    "no manage.py": ({"proj/settings.py": GOOD_SETTINGS}, ["manage.py: not found", "fix:"]),
    "manage.py sets no settings module": (
        {"manage.py": "print('hello')\n", "proj/settings.py": GOOD_SETTINGS},
        ["manage.py: does not set a default DJANGO_SETTINGS_MODULE", "fix: add `os.environ.setdefault("],
    ),
    "settings module missing": (
        {"manage.py": manage_py("proj.settings_prod")},
        ["DJANGO_SETTINGS_MODULE is 'proj.settings_prod'", "proj/settings_prod.py", "fix:"],
    ),
    "syntax error in settings": (
        {"manage.py": manage_py("proj.settings"), "proj/settings.py": "import os\nDEBUG = (\n"},
        ["proj/settings.py:2: invalid Python syntax", "fix: correct the file"],
    ),
    "syntax error in an imported settings file": (
        {"manage.py": manage_py("proj.settings"), "proj/settings/__init__.py": "from .base import *\n",
         "proj/settings/base.py": "SECRET_KEY = 'x'\nif True\n"},
        ["proj/settings/base.py:2: invalid Python syntax"],
    ),
    "syntax error in urls.py": (
        {"manage.py": manage_py("proj.settings"), "proj/settings.py": GOOD_SETTINGS,
         "proj/urls.py": "urlpatterns = [\n"},
        ["proj/urls.py:1: invalid Python syntax"],
    ),
    "settings too deeply nested for the parser": (
        {"manage.py": manage_py("proj.settings"),
         "proj/settings.py": GOOD_SETTINGS + "X = " + "+".join(["1"] * 30000) + "\n"},
        ["proj/settings.py: too deeply nested", "fix:"],
    ),
    "settings the parser reads but too deep to walk": (
        {"manage.py": manage_py("proj.settings"),
         "proj/settings.py": GOOD_SETTINGS + 'X = os.environ.get("A", ' + "+".join(['"1"'] * 2000) + ")\n"},
        ["proj/settings.py: too deeply nested", "fix:"],
    ),
    "a module name djhelm.yaml cannot hold": (
        {"manage.py": manage_py("proj-x.settings"), "proj-x/settings.py": GOOD_SETTINGS},
        ["proj-x.settings", "cannot hold", "nothing was written", "fix:"],
    ),
    "manage.py is not Python": (
        {"manage.py": "#!/bin/sh\nexec python -m django \"$@\"\nfi fi\n"},
        ["manage.py:", "invalid Python syntax"],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_PROJECTS))
def test_bad_project(case: str, run_init: Callable[..., Any], tmp_path: Path) -> None:
    files, expected = BAD_PROJECTS[case]
    project = write_tree(tmp_path / "project", files)
    before = sorted(p.name for p in project.rglob("*"))
    result = run_init(str(project))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for text in expected:
        assert text in result.output, result.output
    assert sorted(p.name for p in project.rglob("*")) == before, "init must write nothing on error"


def test_missing_folder(run_init: Callable[..., Any], tmp_path: Path) -> None:
    result = run_init(str(tmp_path / "nope"))
    assert result.exit_code == 2
    assert f"{tmp_path / 'nope'}: no such folder" in result.output


def test_manage_py_one_level_down_is_suggested(run_init: Callable[..., Any], tmp_path: Path) -> None:
    write_tree(tmp_path, {"src/manage.py": manage_py("proj.settings"), "src/proj/settings.py": GOOD_SETTINGS})
    result = run_init(str(tmp_path))
    assert result.exit_code == 2
    assert f"fix: run `djhelm init {tmp_path / 'src'}`" in result.output


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "proj-root", {"manage.py": manage_py("proj.settings"),
                                               "proj/settings.py": GOOD_SETTINGS})


def test_existing_file_is_kept_without_force(run_init: Callable[..., Any], project: Path) -> None:
    existing = project / "djhelm.yaml"
    existing.write_text("name: mine\n")
    result = run_init(str(project))
    assert result.exit_code == 2
    assert "already exists" in result.output and "--force" in result.output
    assert existing.read_text() == "name: mine\n"
    assert sorted(p.name for p in project.iterdir()) == ["djhelm.yaml", "manage.py", "proj"], "no temp files"


def test_force_replaces_the_file(run_init: Callable[..., Any], project: Path) -> None:
    existing = project / "djhelm.yaml"
    existing.write_text("name: mine\n")
    result = run_init(str(project), "--force")
    assert result.exit_code == 0, result.output
    assert existing.read_text().startswith("# djhelm.yaml for the Django project")
    assert sorted(p.name for p in project.iterdir()) == ["djhelm.yaml", "manage.py", "proj"], "no temp files"


def test_output_must_not_be_a_folder(run_init: Callable[..., Any], project: Path, tmp_path: Path) -> None:
    result = run_init(str(project), "--output", str(tmp_path))
    assert result.exit_code == 2
    assert "is a folder" in result.output


def test_output_folder_must_exist(run_init: Callable[..., Any], project: Path, tmp_path: Path) -> None:
    result = run_init(str(project), "--output", str(tmp_path / "missing" / "djhelm.yaml"))
    assert result.exit_code == 2
    assert "no such folder" in result.output
    assert not (tmp_path / "missing").exists()


def test_default_project_dir_is_the_current_folder(run_init: Callable[..., Any], project: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    result = run_init()
    assert result.exit_code == 0, result.output
    assert (project / "djhelm.yaml").is_file()


def test_every_kind_of_variable_lands_where_the_config_checks_want_it(run_init: Callable[..., Any],
                                                                       tmp_path: Path) -> None:
    """init validates its own output; a variable in the wrong section would make it exit 2."""
    names = ["SECRET_KEY", "EMAIL_HOST_PASSWORD", "GITHUB_TOKEN", "STRIPE_API_KEY", "SENTRY_DSN",
             "CELERY_BROKER_URL", "REDIS_URL", "DATABASE_URL", "DATABASE_MIGRATION_URL",
             "DJHELM_LOCK_TIMEOUT", "DJANGO_SETTINGS_MODULE", "DEBUG", "DJANGO_ALLOWED_HOSTS", "TIME_ZONE",
             "FEATURE_FLAGS"]
    lines = ["import os"] + [f'V{i} = os.environ.get("{name}")' for i, name in enumerate(names)]
    lines.append('CACHE = os.environ.get("CACHE_LOCATION", "redis://app:hunter2@cache:6379/0")')
    project = write_tree(tmp_path / "p", {"manage.py": manage_py("p.settings"),
                                          "p/settings.py": "\n".join(lines) + "\n"})
    result = run_init(str(project))
    assert result.exit_code == 0, result.output
    text = (project / "djhelm.yaml").read_text()
    assert "hunter2" not in text
    assert "migrationUrl: {" in text  # the settings read DATABASE_MIGRATION_URL, so it is offered enabled
    for owned in ("DJHELM_LOCK_TIMEOUT:", "DJANGO_SETTINGS_MODULE:", "  DATABASE_URL:"):
        assert owned not in text


def test_write_failure_leaves_no_temporary_file(run_init: Callable[..., Any], project: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure between writing and renaming leaves neither djhelm.yaml nor a temp file. A full disk
    cannot be arranged here, so the rename is made to fail the way it would."""
    import djhelm.init.write as init_module

    def failing_replace(source: str, target: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(init_module.os, "replace", failing_replace)
    result = run_init(str(project))
    assert result.exit_code == 2
    assert "cannot write: No space left on device" in result.output
    assert sorted(p.name for p in project.iterdir()) == ["manage.py", "proj"]


def test_values_the_chart_cannot_carry_are_left_out(run_init: Callable[..., Any], tmp_path: Path) -> None:
    """A route or variable name the config schema refuses must not make init fail with errors about a
    djhelm.yaml the user never saw: init leaves it out (commented) and the file it writes still renders."""
    from djhelm.config import load_config

    settings = GOOD_SETTINGS + (
        'A = os.environ["my-var"]\nB = os.environ["ÜNI_TOKEN"]\nC = os.environ["X\\tY"]\n'
    )
    urls = (
        "from django.urls import path\n"
        'urlpatterns = [path("health ready/", v), path("{{ .Values.x }}/live", v), path("ok/live/", v)]\n'
    )
    project = write_tree(
        tmp_path / "p",
        {"manage.py": manage_py("proj.settings"), "proj/settings.py": settings, "proj/urls.py": urls},
    )
    result = run_init(str(project))
    assert result.exit_code == 0, result.output
    config = load_config(project / "djhelm.yaml")
    assert config.data["web"]["livenessPath"] == "/ok/live/"
    assert config.data["web"]["readinessPath"] == "/healthz/ready"
    names = set(config.data.get("env", {})) | set(config.data["secretEnv"])
    assert not {"my-var", "ÜNI_TOKEN", "X\tY"} & names, names
    text = (project / "djhelm.yaml").read_text(encoding="utf-8")
    assert "my-var" in text and "ÜNI_TOKEN" in text, "left out, but still shown to the user"


def test_line_breaks_in_names_stay_inside_comments(run_init: Callable[..., Any], tmp_path: Path) -> None:
    """A folder name or a code default with a line break must not add YAML lines to the file."""
    folder = "p\nhttpRoute: {enabled: false}\u2028x: 1"
    settings = GOOD_SETTINGS + 'G = os.environ.get("GREETING", "a\\u2028ingress: {}\\x85b")\n'
    project = write_tree(
        tmp_path / folder, {"manage.py": manage_py("proj.settings"), "proj/settings.py": settings}
    )
    output = tmp_path / "out.yaml"
    result = run_init(str(project), "--output", str(output))
    assert result.exit_code == 0, result.output
    data = yaml.safe_load(output.read_text(encoding="utf-8"))
    assert data["django"]["projectDir"] == folder and "x" not in data and "httpRoute" not in data, data
    assert all(line.isprintable() for line in output.read_text(encoding="utf-8").splitlines())


def test_written_values_parse_as_the_settings_parse_them(
        run_init: Callable[..., Any], tmp_path: Path) -> None:
    """DEBUG gets the spelling the settings read as off, and a variable read only when present is not
    filled with a placeholder that would switch its feature on."""
    settings = (
        "import ast, os\n"
        "SECRET_KEY = os.environ['DJANGO_SECRET_KEY']\n"
        "DEBUG = ast.literal_eval(os.environ.get('DJANGO_DEBUG', 'False'))\n"
        "if 'SENTRY_DSN' in os.environ:\n"
        "    SENTRY = os.environ['SENTRY_DSN']\n"
        "ALLOWED_HOSTS = os.environ.get('DJANGO_ALLOWED_HOSTS', '').split(',')\n"
    )
    project = write_tree(tmp_path, {"manage.py": manage_py("proj.settings"), "proj/__init__.py": "",
                                    "proj/settings.py": settings, "proj/wsgi.py": "application = None\n"})
    result = run_init(str(project))
    assert result.exit_code == 0, result.output
    config = yaml.safe_load((project / "djhelm.yaml").read_text())
    assert config["env"]["DJANGO_DEBUG"] == "False"
    import ast

    assert ast.literal_eval(config["env"]["DJANGO_DEBUG"]) is False  # what the settings will do with it
    # read only when present: an optional Secret key (absent: the feature stays off), never a placeholder
    assert "SENTRY_DSN" not in config.get("env", {})
    assert config["secretEnv"]["SENTRY_DSN"]["optional"] is True


def test_a_required_switch_is_written_off_in_the_spelling_its_parse_reads_as_off(
        run_init: Callable[..., Any], tmp_path: Path) -> None:
    """`os.environ["X"] == "1"` without a default: "change-me" would read as off only by luck; init writes
    the spelling the comparison reads as off, and the settings, run with the written env, agree."""
    settings = (
        "import os\n"
        "SECRET_KEY = os.environ['DJANGO_SECRET_KEY']\n"
        "USE_S3 = os.environ['USE_S3'] == '1'\n"
        "SIGNUPS = os.environ['SIGNUPS_OPEN'].lower() in ('true', 'yes')\n"
    )
    project = write_tree(tmp_path, {"manage.py": manage_py("proj.settings"), "proj/__init__.py": "",
                                    "proj/settings.py": settings, "proj/wsgi.py": "application = None\n"})
    result = run_init(str(project))
    assert result.exit_code == 0, result.output
    env = yaml.safe_load((project / "djhelm.yaml").read_text())["env"]
    assert env["USE_S3"] == "0"
    namespace: dict[str, Any] = {}
    import os
    from unittest import mock

    with mock.patch.dict(os.environ, {**env, "DJANGO_SECRET_KEY": "x"}):
        exec(compile(settings, "settings.py", "exec"), namespace)  # the settings written above, nothing else
    assert namespace["USE_S3"] is False and namespace["SIGNUPS"] is False
