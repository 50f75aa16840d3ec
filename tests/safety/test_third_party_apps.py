"""The checker on migrations it did not write: Django's contrib apps and popular PyPI apps.

Installed from PyPI through the `test` extra (django-taggit, django-celery-beat, django-guardian); the
checker must load them without a database, judge every migration file they ship, and never crash.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from tests.safety.support import CheckRun, run_check, write_project

CONTRIB = {
    "contenttypes": "django.contrib.contenttypes",
    "auth": "django.contrib.auth",
    "admin": "django.contrib.admin",
    "sessions": "django.contrib.sessions",
    "sites": "django.contrib.sites",
    "flatpages": "django.contrib.flatpages",
    "redirects": "django.contrib.redirects",
}
THIRD_PARTY = {"taggit": "taggit", "django_celery_beat": "django_celery_beat", "guardian": "guardian"}
APPS = {**CONTRIB, **THIRD_PARTY}


def _migration_files(module: str) -> set[str]:
    try:
        package = importlib.import_module(module)
    except ImportError:
        pytest.fail(f"{module} is not installed: pip install -e '.[test]' (it is in the test extra)")
    folder = Path(str(package.__file__)).parent / "migrations"
    return {p.stem for p in folder.glob("[0-9]*.py")}


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> CheckRun:
    root = tmp_path_factory.mktemp("third_party")
    write_project(root, {}, contrib=list(APPS.values()), settings_extra="SITE_ID = 1\n")
    return run_check(root, *(arg for label in APPS for arg in ("--app", label)))


def test_no_crash(result: CheckRun) -> None:
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("label", sorted(APPS))
def test_every_migration_is_classified(result: CheckRun, label: str) -> None:
    judged = {m["name"]: m["phase"] for m in result.json["migrations"] if m["app"] == label}
    assert set(judged) == _migration_files(APPS[label])
    assert set(judged.values()) <= {"pre", "post", "blocked"}


@pytest.mark.parametrize(("app", "name", "phase", "rule"), [
    # Known shapes from migrations frozen years ago, so these do not move with new releases.
    ("contenttypes", "0002_remove_content_type_name", "blocked", "mixed-phases"),
    # an installed app's RunPython cannot be annotated: trusted as pre, with a warning saying how to list it
    ("auth", "0011_update_proxy_permissions", "pre", "run-python-third-party"),
    ("sites", "0002_alter_domain_unique", "blocked", "alter-field-unique"),
    ("taggit", "0003_taggeditem_add_unique_index", "blocked", "add-constraint-unique"),
    ("django_celery_beat", "0003_auto_20161209_0049", "blocked", "unique-together"),
])
def test_known_classifications(result: CheckRun, app: str, name: str, phase: str, rule: str) -> None:
    assert result.phases[f"{app}.{name}"] == phase
    assert rule in result.rules(app, name)


def test_initial_migrations_are_pre(result: CheckRun) -> None:
    for label in APPS:
        assert result.phases[f"{label}.0001_initial"] == "pre", label


def test_no_third_party_run_python_is_blocked(result: CheckRun) -> None:
    for item in result.json["migrations"]:
        rules = {f["rule"] for f in item["findings"]}
        assert "run-python-undeclared" not in rules, (item["app"], item["name"])


def test_settings_list_the_phase_of_a_file_the_project_cannot_edit(tmp_path: Path) -> None:
    phases = {"auth.0011_update_proxy_permissions": "post"}
    write_project(tmp_path, {}, settings_extra=f"DJHELM_MIGRATIONS = {{'PHASES': {phases!r}}}\n")
    listed = run_check(tmp_path, "--app", "auth")
    assert listed.phases["auth.0011_update_proxy_permissions"] == "post"
    verdict = listed.verdict("auth", "0011_update_proxy_permissions")
    assert verdict["declared"] == "post"
    assert "run-python-third-party" not in {f["rule"] for f in verdict["findings"]}
    # a listed migration is judged even when its app is not asked for
    assert "auth.0011_update_proxy_permissions" in run_check(tmp_path).phases


@pytest.mark.parametrize("phases", [
    "{'auth.0011_update_proxy_permissions': 'later'}", "{'no-dot': 'post'}", "[]",
])
def test_a_bad_phase_list_is_a_located_error(tmp_path: Path, phases: str) -> None:
    write_project(tmp_path, {}, settings_extra=f"DJHELM_MIGRATIONS = {{'PHASES': {phases}}}\n")
    bad = run_check(tmp_path, "--app", "auth")
    assert bad.returncode == 2, bad.stderr
    assert "proj.settings" in bad.stderr and "PHASES" in bad.stderr and "Traceback" not in bad.stderr
