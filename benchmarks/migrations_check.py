"""Benchmark: `djhelm migrations check` vs django-migration-linter on a synthetic project.

Generates a Django project with N migrations spread over many apps (varied operations: nullable and
db_default AddField, no-SQL AlterField, max_length changes, RemoveField, cross-app ForeignKeys,
CreateModel/DeleteModel, a NOT NULL AddField with a Python default, AlterModelOptions), then times:

- djhelm: `djhelm migrations check PROJECT --format json` (no database; best of --repeat runs);
- the Django floor: what any Django-aware checker must do at least, in a fresh process: django.setup(),
  MigrationLoader(None), and every operation's state_forwards along the whole plan (no judging, no
  output). djhelm's ratio to it is its own overhead;
- django-migration-linter: `python manage.py lintmigrations --no-cache`, which needs a database
  connection (it runs sqlmigrate per migration): a real PostgreSQL server started by this script
  (tests/support/postgres.py), or SQLite with --linter-db sqlite.

Usage: python benchmarks/migrations_check.py [--migrations 2000] [--apps 40] [--skip-linter]
Each timing is the wall clock of a fresh process (interpreter start and django.setup included).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

HEADER = "from django.db import migrations, models\nimport django.db.models.deletion\n\n\n"


def _operation(app: str, k: int, other: str) -> tuple[str, list[tuple[str, str]]]:
    """Operation source for migration number k of ``app`` and extra dependencies."""
    step = k % 10
    if step == 0 or (step == 4 and k < 10) or (step == 1 and k < 10):
        return f"migrations.AddField('a', 'n{k}', models.TextField(null=True))", []
    if step == 1:
        return f"migrations.AlterField('a', 'n{k - 1}', models.TextField(null=True, verbose_name='N'))", []
    if step == 2:
        return f"migrations.AddField('b', 'd{k}', models.IntegerField(db_default=0))", []
    if step == 3:
        return f"migrations.AlterField('c', 'title', models.CharField(max_length={50 + k}))", []
    if step == 4:
        return f"migrations.RemoveField('a', 'n{k - 4}')", []
    if step == 5:
        fk = (f"migrations.AddField('b', 'ref{k}', models.ForeignKey(null=True, "
              f"on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='{other}.a'))")
        return fk, [(other, "0001_initial")]
    if step == 6:
        return (f"migrations.CreateModel(name='T{k}', fields=[('id', models.BigAutoField(primary_key=True, "
                f"serialize=False)), ('v', models.IntegerField(null=True))])"), []
    if step == 7:
        return f"migrations.DeleteModel('t{k - 1}')", []
    if step == 8:
        return f"migrations.AddField('c', 's{k}', models.CharField(max_length=10, default='x'))", []
    return f"migrations.AlterModelOptions('c', options={{'ordering': ['-id'], 'verbose_name': 'c{k}'}})", []


def _initial() -> str:
    models_ = []
    for name in ("A", "B", "C"):
        models_.append(
            f"        migrations.CreateModel(name='{name}', fields=[\n"
            "            ('id', models.BigAutoField(primary_key=True, serialize=False)),\n"
            "            ('title', models.CharField(max_length=50)),\n"
            "        ]),"
        )
    ops = "\n".join(models_)
    return (f"{HEADER}class Migration(migrations.Migration):\n    initial = True\n    dependencies = []\n"
            f"    operations = [\n{ops}\n    ]\n")


def generate(root: Path, migrations: int, apps: int, database: str) -> Path:
    per_app = max(1, migrations // apps)
    labels = [f"app{i:03d}" for i in range(apps)]
    (root / "bench").mkdir(parents=True)
    (root / "bench" / "__init__.py").write_text("")
    (root / "bench" / "settings.py").write_text(textwrap.dedent(f"""\
        SECRET_KEY = "bench"
        INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "django_migration_linter",
                          *{labels!r}]
        DATABASES = {database}
        USE_TZ = True
        DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
        """))
    (root / "manage.py").write_text(
        "import os, sys\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'bench.settings')\n"
        "from django.core.management import execute_from_command_line\nexecute_from_command_line(sys.argv)\n"
    )
    total = 0
    for index, label in enumerate(labels):
        count = per_app + (1 if index < migrations - per_app * apps else 0)
        folder = root / label / "migrations"
        folder.mkdir(parents=True)
        (root / label / "__init__.py").write_text("")
        (folder / "__init__.py").write_text("")
        (folder / "0001_initial.py").write_text(_initial())
        previous = "0001_initial"
        other = labels[(index + 1) % len(labels)] if len(labels) > 1 else label
        for k in range(2, count + 1):
            name = f"{k:04d}_step"
            source, extra = _operation(label, k, other)
            deps = [(label, previous), *[d for d in extra if d[0] != label]]
            dep_src = "".join(f"        ({a!r}, {n!r}),\n" for a, n in deps)
            (folder / f"{name}.py").write_text(
                f"{HEADER}class Migration(migrations.Migration):\n    dependencies = [\n{dep_src}    ]\n"
                f"    operations = [\n        {source},\n    ]\n"
            )
            previous = name
        total += count
    print(f"generated {total} migrations in {apps} apps under {root}", file=sys.stderr)
    return root


FLOOR = textwrap.dedent("""
    import django
    from django.conf import settings
    # judged as PostgreSQL, as djhelm judges it: the PostgreSQL backend (never connected) for any other
    if "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
        settings.DATABASES["default"] = {"ENGINE": "django.db.backends.postgresql", "HOST": "127.0.0.1",
                                         "PORT": "1", "NAME": "floor"}
    django.setup()
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.state import ProjectState
    loader = MigrationLoader(None, ignore_no_migrations=True)
    graph = loader.graph
    seen, plan = set(), []
    for leaf in sorted(graph.leaf_nodes()):
        for key in graph.forwards_plan(leaf):
            if key not in seen:
                seen.add(key)
                plan.append(key)
    state = ProjectState(real_apps=set(loader.unmigrated_apps))
    for app_label, name in plan:
        for operation in graph.nodes[(app_label, name)].operations:
            operation.state_forwards(app_label, state)
    print(len(plan))
""")


def _timed(
    command: list[str], cwd: Path, env: dict[str, str]
) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    return time.perf_counter() - start, done


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--migrations", type=int, default=2000)
    parser.add_argument("--apps", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3, help="djhelm runs (the best is reported)")
    parser.add_argument("--skip-linter", action="store_true")
    parser.add_argument("--linter-db", choices=["postgres", "sqlite"], default="postgres")
    args = parser.parse_args()

    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    server = None
    with tempfile.TemporaryDirectory(prefix="djhelm-bench-") as tmp:
        root = Path(tmp) / "project"
        if args.skip_linter or args.linter_db == "sqlite":
            database = "{'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': 'bench.sqlite3'}}"
        else:
            from tests.support.postgres import PostgresServer

            server = PostgresServer().start()
            server.create_database("bench")
            database = (f"{{'default': {{'ENGINE': 'django.db.backends.postgresql', 'HOST': '{server.host}', "
                        f"'PORT': '{server.port}', 'NAME': 'bench', 'USER': '{server.user}'}}}}")
        try:
            generate(root, args.migrations, args.apps, database)
            entry = "import sys; sys.argv[0] = 'djhelm'; from djhelm.cli import main; main()"
            djhelm = [sys.executable, "-c", entry, "migrations", "check", str(root), "--format", "json"]
            floor = [sys.executable, "-c", FLOOR]
            floor_env = {**env, "DJANGO_SETTINGS_MODULE": "bench.settings", "PYTHONPATH": str(root)}
            # cold: no bytecode of the migration files (a CI run without a cache); warm: kept bytecode
            cold_env = {**env, "PYTHONDONTWRITEBYTECODE": "1"}
            cold_floor_env = {**floor_env, "PYTHONDONTWRITEBYTECODE": "1"}
            warm_env = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
            warm_floor_env = {k: v for k, v in floor_env.items() if k != "PYTHONDONTWRITEBYTECODE"}
            timings: dict[str, list[float]] = {}
            steps = (
                ("djhelm_cold", djhelm, cold_env), ("floor_cold", floor, cold_floor_env),
                ("warm_up", floor, warm_floor_env),
                ("djhelm_warm", djhelm, warm_env), ("floor_warm", floor, warm_floor_env),
            )
            for label, command, run_env in steps:
                for _ in range(1 if label == "warm_up" else args.repeat):
                    seconds, done = _timed(command, root, run_env)
                    if done.returncode not in (0, 1):
                        print(done.stderr, file=sys.stderr)
                        return 2
                    timings.setdefault(label, []).append(seconds)
                    if label.startswith("djhelm"):
                        verdicts = json.loads(done.stdout)["migrations"]
            runs = timings["djhelm_cold"]
            phases = {p: sum(1 for v in verdicts if v["phase"] == p) for p in ("pre", "post", "blocked")}
            best = {label: min(values) for label, values in timings.items()}
            report = {
                "migrations": len(verdicts),
                "apps": args.apps,
                "djhelm_phases": phases,
                "seconds_best": {k: round(v, 3) for k, v in best.items() if k != "warm_up"},
                "djhelm_over_floor_cold": round(best["djhelm_cold"] / best["floor_cold"], 2),
                "djhelm_over_floor_warm": round(best["djhelm_warm"] / best["floor_warm"], 2),
            }
            if not args.skip_linter:
                linter = [sys.executable, "manage.py", "lintmigrations", "--no-cache"]
                seconds, done = _timed(linter, root, env)
                report["linter_database"] = args.linter_db
                report["linter_seconds"] = round(seconds, 3)
                report["linter_exit_code"] = done.returncode
                summary = [line for line in done.stdout.splitlines() if "migration" in line.lower()][-3:]
                report["linter_summary"] = summary
                if done.returncode not in (0, 1):
                    report["linter_stderr_tail"] = done.stderr.strip().splitlines()[-3:]
                report["speedup_over_linter_cold"] = round(seconds / min(runs), 1)
        finally:
            if server is not None:
                server.destroy()
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
