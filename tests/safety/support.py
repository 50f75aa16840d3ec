"""Real Django projects on disk for checker tests, and a way to run `djhelm migrations check` on them.

Each project is written into a temp dir (settings, manage.py, one package per app with migration
files given as source text) and checked by the real CLI in a subprocess: Django's setup is
process-global, so every project gets a clean interpreter. Put many apps (cases) in one project and
check it once per test module: one subprocess costs about a second.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
AUTH = ("auth", "0012_alter_user_first_name_max_length")  # latest auth migration of Django 5.2

DATABASES = {
    # No database at all: Django's dummy backend.
    "none": "{}",
    # A PostgreSQL server that does not exist: connecting would fail at once (port 1 refuses).
    "unreachable": (
        "{'default': {'ENGINE': 'django.db.backends.postgresql', 'HOST': '127.0.0.1', 'PORT': '1', "
        "'NAME': 'nowhere', 'USER': 'nobody', 'PASSWORD': 'x', 'OPTIONS': {'connect_timeout': 1}}}"
    ),
}


def migration(
    *operations: str,
    deps: Sequence[tuple[str, str]] = (),
    imports: str = "",
    body: str = "",
    initial: bool = False,
) -> str:
    """Source of a migration file. ``operations``: one source string per operation (may span lines)."""
    ops = "\n".join(textwrap.indent(textwrap.dedent(op).strip(), " " * 8) + "," for op in operations)
    dep_lines = "\n".join(f"        ({app!r}, {name!r})," for app, name in deps)
    extra = textwrap.indent(textwrap.dedent(body).strip(), " " * 4) + "\n" if body.strip() else ""
    header = "from django.db import migrations, models\nimport django.db.models.deletion\n"
    return (
        f"{header}{textwrap.dedent(imports).strip()}\n\n\n"
        "class Migration(migrations.Migration):\n"
        f"    initial = {initial!r}\n"
        f"{extra}"
        f"    dependencies = [\n{dep_lines}\n    ]\n\n"
        f"    operations = [\n{ops}\n    ]\n"
    )


def create_model(name: str, *fields: str) -> str:
    """A CreateModel with an auto id plus the given ``("name", models.X(...))`` field sources."""
    body = "".join(f"\n        {field}," for field in fields)
    return (
        f"migrations.CreateModel(\n    name={name!r},\n    fields=[\n"
        f"        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),"
        f"{body}\n    ],\n)"
    )


def write_project(
    root: Path,
    apps: Mapping[str, Mapping[str, str]],
    *,
    databases: str = "none",
    contrib: Sequence[str] = ("django.contrib.contenttypes", "django.contrib.auth"),
    extra_apps: Sequence[str] = (),
    settings_extra: str = "",
    settings_module: str = "proj.settings",
    manage_py: bool = True,
) -> Path:
    """Write a project under ``root``; ``apps``: app label -> {migration name: source}."""
    root.mkdir(parents=True, exist_ok=True)
    package, _, module = settings_module.rpartition(".")
    settings_dir = root.joinpath(*package.split("."))
    settings_dir.mkdir(parents=True, exist_ok=True)
    (settings_dir / "__init__.py").write_text("")
    installed = [*contrib, *extra_apps, *apps]
    (settings_dir / f"{module}.py").write_text(
        "SECRET_KEY = 'test-only'\n"
        f"INSTALLED_APPS = {installed!r}\n"
        f"DATABASES = {DATABASES.get(databases, databases)}\n"
        "USE_TZ = True\n"
        "DEFAULT_AUTO_FIELD = 'django.db.models.BigAutoField'\n"
        f"{textwrap.dedent(settings_extra)}"
    )
    if manage_py:
        (root / "manage.py").write_text(
            "import os\nimport sys\n\n"
            "if __name__ == '__main__':\n"
            f"    os.environ.setdefault('DJANGO_SETTINGS_MODULE', '{settings_module}')\n"
            "    from django.core.management import execute_from_command_line\n\n"
            "    execute_from_command_line(sys.argv)\n"
        )
    for label, files in apps.items():
        app_dir = root / label
        (app_dir / "migrations").mkdir(parents=True, exist_ok=True)
        (app_dir / "__init__.py").write_text("")
        (app_dir / "migrations" / "__init__.py").write_text("")
        for name, source in files.items():
            (app_dir / "migrations" / f"{name}.py").write_text(source)
    return root


@dataclass
class CheckRun:
    returncode: int
    stdout: str
    stderr: str

    @cached_property
    def json(self) -> dict[str, Any]:
        try:
            return dict(json.loads(self.stdout))
        except json.JSONDecodeError as error:
            raise AssertionError(f"not json ({error}):\n{self.stdout}\nstderr:\n{self.stderr}") from None

    @property
    def phases(self) -> dict[str, str]:
        return {f"{m['app']}.{m['name']}": m["phase"] for m in self.json["migrations"]}

    def verdict(self, app: str, name: str) -> dict[str, Any]:
        for item in self.json["migrations"]:
            if item["app"] == app and item["name"] == name:
                return dict(item)
        raise AssertionError(f"{app}.{name} not judged; judged: {sorted(self.phases)}")

    def rules(self, app: str, name: str) -> list[str]:
        """Rule ids of the findings that are not acknowledged."""
        return [f["rule"] for f in self.verdict(app, name)["findings"] if "acknowledged" not in f]


def run_check(
    project: Path,
    *args: str,
    fmt: str = "json",
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> CheckRun:
    """Run `djhelm migrations check PROJECT --format FMT ARGS` in a fresh interpreter."""
    environment = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH")}
    environment.update(env or {})
    command = [
        sys.executable,
        "-c",
        "import sys; sys.argv[0] = 'djhelm'; from djhelm.cli import main; main()",
        "migrations",
        "check",
        str(project),
        "--format",
        fmt,
        *args,
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, env=environment, cwd=cwd or project, check=False, timeout=300
    )
    return CheckRun(done.returncode, done.stdout, done.stderr)


def change_apps(
    cases: Mapping[str, str | Sequence[str]],
    base_fields: Sequence[str],
    *,
    model: str = "Item",
    body: Mapping[str, str] | None = None,
    initial_deps: Sequence[tuple[str, str]] = (),
) -> dict[str, dict[str, str]]:
    """One app per case: ``0001_initial`` creates ``model`` with ``base_fields``, ``0002_change`` holds
    the case's operation source(s) (``body[case]`` goes into its Migration class, e.g. ``atomic = False``).
    ``initial_deps``: dependencies of ``0001_initial`` (e.g. AUTH when base fields point at auth.User)."""
    apps: dict[str, dict[str, str]] = {}
    for label, ops in cases.items():
        operations = [ops] if isinstance(ops, str) else list(ops)
        apps[label] = {
            "0001_initial": migration(create_model(model, *base_fields), initial=True, deps=initial_deps),
            "0002_change": migration(
                *operations, deps=[(label, "0001_initial")], body=(body or {}).get(label, "")
            ),
        }
    return apps
