"""Real migration histories, judged by hand: nine reusable apps from PyPI (pinned), 87 migrations.

The expected verdicts and the SQL evidence live in regression_histories.yaml. Any change of verdict fails
here, so a rule change that moves a real migration is a decision, not an accident; with PostgreSQL, the
recorded statements are compared with what Django really sends while `migrate` applies each migration.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.safety.support import CheckRun, run_check, write_project

RECORD = Path(__file__).with_name("regression_histories.yaml")
APPS = {  # app label -> what goes into INSTALLED_APPS
    "taggit": "taggit",
    "django_celery_beat": "django_celery_beat",
    "guardian": "guardian",
    "oauth2_provider": "oauth2_provider",
    "authtoken": "rest_framework.authtoken",
    "axes": "axes",
    "waffle": "waffle",
    "otp_totp": "django_otp.plugins.otp_totp",
    "otp_static": "django_otp.plugins.otp_static",
    "otp_hotp": "django_otp.plugins.otp_hotp",
    "otp_email": "django_otp.plugins.otp_email",
    "reversion": "reversion",
}
CONTRIB = ["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.admin",
           "django.contrib.sessions", "django.contrib.messages", "rest_framework", "django_otp"]


def _record() -> dict[str, Any]:
    return dict(yaml.safe_load(RECORD.read_text()))


def _project(root: Path, databases: str = "none") -> Path:
    return write_project(root, {}, databases=databases, contrib=[*CONTRIB, *APPS.values()])


@pytest.fixture(scope="module")
def judged(tmp_path_factory: pytest.TempPathFactory) -> CheckRun:
    project = _project(tmp_path_factory.mktemp("histories"))
    return run_check(project, *(arg for label in APPS for arg in ("--app", label)))


def test_the_pinned_versions_are_installed() -> None:
    wrong = {
        name: importlib.metadata.version(name)
        for name, pinned in _record()["packages"].items()
        if importlib.metadata.version(name) != pinned
    }
    assert wrong == {}, "the verdicts are recorded for the pinned versions: pip install -e '.[test]'"


def _rules(run: CheckRun, app: str, name: str) -> list[str]:
    return sorted(set(run.rules(app, name)))


def test_every_migration_keeps_its_recorded_verdict(judged: CheckRun) -> None:
    assert judged.returncode == 1, judged.stderr  # some of these histories are unsafe for a rolling deploy
    got = {
        f"{m['app']}.{m['name']}": {"phase": m["phase"], "rules": _rules(judged, m["app"], m["name"])}
        for m in judged.json["migrations"]
    }
    expected = {
        key: {"phase": entry["phase"], "rules": sorted(entry["rules"])}
        for key, entry in _record()["migrations"].items()
    }
    changed = {key: (expected.get(key), got.get(key)) for key in expected.keys() | got.keys()
               if expected.get(key) != got.get(key)}
    assert changed == {}, "verdicts moved (expected, now); judge them again and update the record"


def test_the_record_is_not_one_sided() -> None:
    phases = [entry["phase"] for entry in _record()["migrations"].values()]
    assert phases.count("blocked") >= 20 and phases.count("pre") >= 40
    assert sum(1 for entry in _record()["migrations"].values() if not entry["sql"]) >= 20  # SQL-free ones


CAPTURE = textwrap.dedent("""
    import json, sys
    import django
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    executor = MigrationExecutor(connection)
    plan = [(m.app_label, m.name) for m, _ in executor.migration_plan(executor.loader.graph.leaf_nodes())]
    out, current = {}, None

    def record(execute, sql, params, many, context):
        statement = " ".join(sql.split())
        upper = statement.upper()
        bookkeeping = upper.startswith(("SELECT", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT"))
        setting = upper.startswith("SET ") and ";" not in statement
        tables = ("django_migrations", "django_content_type", "auth_permission")
        rows = any(name in statement for name in tables)
        if current is not None and not (bookkeeping or setting or rows):
            out[current].append(statement)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        for app, name in plan:
            current = f"{app}.{name}"
            out[current] = []
            call_command("migrate", app, name, verbosity=0)
    print(json.dumps(out))
""")
_NOW = re.compile(r"DEFAULT '\d{4}-\d\d-\d\d [^']*'::timestamptz")


@pytest.mark.postgres
def test_the_recorded_sql_is_what_django_sends(tmp_path: Path, postgres_db: str) -> None:
    project = _project(tmp_path, f"{{'default': __import__('dj_database_url').parse({postgres_db!r})}}")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["DJANGO_SETTINGS_MODULE"] = "proj.settings"
    done = subprocess.run([sys.executable, "-c", CAPTURE], cwd=project, env=env, capture_output=True,
                          text=True, check=False, timeout=600)
    assert done.returncode == 0, done.stderr
    sent = json.loads(done.stdout)
    recorded = _record()["migrations"]
    differing = {}
    for key, entry in recorded.items():
        now = [_NOW.sub("DEFAULT '<now>'::timestamptz", statement)[:150] for statement in sent.get(key, [])]
        if now != entry["sql"]:
            differing[key] = (entry["sql"], now)
    assert differing == {}
