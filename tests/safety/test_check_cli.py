"""`djhelm migrations check` end to end: loading projects without a database, errors, formats, --since."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.safety.support import create_model, migration, run_check, write_project

SHOP = {
    "0001_initial": migration(
        create_model("Product", "('sku', models.CharField(max_length=20, null=True))"), initial=True
    ),
    "0002_remove_product_sku": migration(
        "migrations.RemoveField('product', 'sku')", deps=[("shop", "0001_initial")]
    ),
}
BLOCKED = {
    "0001_initial": migration(create_model("Order"), initial=True),
    "0002_code": migration(
        "migrations.AddField('order', 'code', models.CharField(max_length=5, default='x'))",
        deps=[("orders", "0001_initial")],
    ),
}


@pytest.mark.parametrize("databases", ["none", "unreachable"])
def test_works_without_a_reachable_database(tmp_path: Path, databases: str) -> None:
    write_project(tmp_path, {"shop": SHOP}, databases=databases)
    result = run_check(tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.json == {
        "migrations": [
            {
                "app": "shop",
                "name": "0001_initial",
                "phase": "pre",
                "findings": [],
                "path": "shop/migrations/0001_initial.py",
                "declared": None,
                "operations": ["pre"],
            },
            {
                "app": "shop",
                "name": "0002_remove_product_sku",
                "phase": "post",
                "findings": [
                    {
                        "rule": "remove-field",
                        "severity": "info",
                        "operation": 0,
                        "message": result.verdict("shop", "0002_remove_product_sku")["findings"][0][
                            "message"
                        ],
                        "fix": "",
                        "effect": "post",
                        "line": 13,
                    }
                ],
                "path": "shop/migrations/0002_remove_product_sku.py",
                "declared": None,
                "operations": ["post"],
            },
        ]
    }


def test_blocked_exits_1_and_text_shows_the_fix(tmp_path: Path) -> None:
    write_project(tmp_path, {"shop": SHOP, "orders": BLOCKED})
    result = run_check(tmp_path, fmt="text")
    assert result.returncode == 1
    assert "orders.0002_code: blocked" in result.stdout
    assert "db_default='x'" in result.stdout
    assert "shop.0002_remove_product_sku: post" in result.stdout


def test_app_filter_and_contrib_apps_are_not_judged_by_default(tmp_path: Path) -> None:
    write_project(tmp_path, {"shop": SHOP, "orders": BLOCKED})
    assert {m.split(".")[0] for m in run_check(tmp_path).phases} == {"shop", "orders"}
    only_shop = run_check(tmp_path, "--app", "shop")
    assert only_shop.returncode == 0
    assert set(only_shop.phases) == {"shop.0001_initial", "shop.0002_remove_product_sku"}


def test_a_project_without_own_migrations_warns_instead_of_passing_silently(tmp_path: Path) -> None:
    write_project(tmp_path, {})
    result = run_check(tmp_path)
    assert result.returncode == 0
    assert result.json == {"migrations": []}
    assert "warning: no migrations found" in result.stderr
    assert "warning" not in run_check(tmp_path, "--app", "auth").stderr


def test_contrib_apps_all_classified(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        {},
        contrib=[
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "django.contrib.admin",
            "django.contrib.sessions",
            "django.contrib.messages",
        ],
    )
    apps = ("auth", "contenttypes", "admin", "sessions")
    result = run_check(tmp_path, *(arg for app in apps for arg in ("--app", app)))
    assert result.returncode in (0, 1), result.stderr
    import django.contrib

    on_disk = {
        f"{app}.{p.stem}"
        for app in ("auth", "contenttypes", "admin", "sessions")
        for p in (Path(django.contrib.__file__).parent / app / "migrations").glob("0*.py")
    }
    assert set(result.phases) == on_disk
    assert set(result.phases.values()) <= {"pre", "post", "blocked"}
    # contenttypes 0002 makes `name` nullable and drops it in one migration: expand + contract mixed
    assert result.phases["contenttypes.0002_remove_content_type_name"] == "blocked"
    assert result.phases["auth.0008_alter_user_username_max_length"] == "pre"


def _settings_only(tmp_path: Path) -> Path:
    write_project(tmp_path, {"shop": SHOP}, settings_module="conf.prod", manage_py=False)
    return tmp_path


def test_settings_from_flag_env_yaml_and_manage_py(tmp_path: Path) -> None:
    root = _settings_only(tmp_path)
    missing = run_check(root)
    assert missing.returncode == 2
    assert "cannot tell which settings module" in missing.stderr and "Traceback" not in missing.stderr
    assert run_check(root, "--settings", "conf.prod").returncode == 0
    assert run_check(root, env={"DJANGO_SETTINGS_MODULE": "conf.prod"}).returncode == 0
    (root / "djhelm.yaml").write_text("name: shop\ndjango:\n  settingsModule: conf.prod\n")
    assert run_check(root).returncode == 0
    (root / "djhelm.yaml").unlink()
    manage = "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'conf.prod')\n"
    (root / "manage.py").write_text(manage)
    assert run_check(root).returncode == 0
    (root / "manage.py").write_text('import os\nos.environ["DJANGO_SETTINGS_MODULE"] = "conf.prod"\n')
    assert run_check(root).returncode == 0


def test_unreadable_djhelm_yaml_names_the_file(tmp_path: Path) -> None:
    _settings_only(tmp_path)
    (tmp_path / "djhelm.yaml").write_bytes(b"name: shop\ndjango:\n  settingsModule: conf.prod  # \xff\n")
    result = run_check(tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert f"{tmp_path / 'djhelm.yaml'}: not UTF-8 text" in result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr


def test_djhelm_yaml_is_read_by_the_config_loader_with_lines_and_fixes(tmp_path: Path) -> None:
    """migrations check reads only the `django` section, but as `render` reads it: a typo is named with its
    line, other sections may still be missing, and a duplicate key is refused instead of silently won."""
    _settings_only(tmp_path)
    (tmp_path / "djhelm.yaml").write_text("name: shop\ndjango:\n  settingsModul: conf.prod\n")
    result = run_check(tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert f"{tmp_path / 'djhelm.yaml'}:3: django.settingsModul: unknown key" in result.stderr
    assert "did you mean 'settingsModule'?" in result.stderr
    twice = "django:\n  settingsModule: conf.prod\n  settingsModule: conf.dev\n"
    (tmp_path / "djhelm.yaml").write_text(twice)
    result = run_check(tmp_path)
    assert result.returncode == 2 and "settingsModule" in result.stderr and "Traceback" not in result.stderr
    (tmp_path / "djhelm.yaml").write_text("django:\n  settingsModule: conf.prod\n")
    assert run_check(tmp_path).returncode == 0


def test_a_manage_py_that_does_not_parse_is_named_with_its_line(tmp_path: Path) -> None:
    _settings_only(tmp_path)
    unclosed = "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'conf.prod'\n"
    (tmp_path / "manage.py").write_text(unclosed)
    result = run_check(tmp_path)
    assert result.returncode == 2 and "invalid Python syntax" in result.stderr
    assert f"{tmp_path / 'manage.py'}:" in result.stderr and "Traceback" not in result.stderr


def test_unknown_settings_module_is_a_usage_error(tmp_path: Path) -> None:
    write_project(tmp_path, {"shop": SHOP})
    result = run_check(tmp_path, "--settings", "nope.settings")
    assert result.returncode == 2
    assert "'nope.settings'" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_settings_needing_a_production_variable_name_it_in_the_fix(tmp_path: Path) -> None:
    settings = "import os\nAPI_HOST = os.environ['SHOP_API_HOST']\n"
    write_project(tmp_path, {"shop": SHOP}, settings_extra=settings)
    assert "SHOP_API_HOST" not in os.environ
    result = run_check(tmp_path)
    assert result.returncode == 2
    assert "KeyError: 'SHOP_API_HOST'" in result.stderr
    assert "fix: set SHOP_API_HOST in the environment" in result.stderr
    assert "Traceback" not in result.stderr
    assert run_check(tmp_path, env={"SHOP_API_HOST": "placeholder"}).returncode == 0


def test_broken_migration_file_names_its_path(tmp_path: Path) -> None:
    broken = dict(SHOP)
    broken["0003_broken"] = "from django.db import migrations\nimport not_a_module_anywhere\n"
    write_project(tmp_path, {"shop": broken})
    result = run_check(tmp_path)
    assert result.returncode == 2
    assert "shop/migrations/0003_broken.py:2" in result.stderr
    assert "not_a_module_anywhere" in result.stderr and "Traceback" not in result.stderr


def test_missing_dependency_and_unknown_app_are_usage_errors(tmp_path: Path) -> None:
    files = dict(SHOP)
    files["0003_x"] = migration("migrations.RemoveField('product', 'id')", deps=[("shop", "0099_missing")])
    write_project(tmp_path, {"shop": files})
    result = run_check(tmp_path)
    assert result.returncode == 2 and "0099_missing" in result.stderr
    (tmp_path / "shop" / "migrations" / "0003_x.py").unlink()
    unknown = run_check(tmp_path, "--app", "warehouse")
    assert unknown.returncode == 2 and "--app warehouse" in unknown.stderr


def test_since_judges_only_added_files(tmp_path: Path) -> None:
    write_project(tmp_path, {"shop": {"0001_initial": SHOP["0001_initial"]}})

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    git("init", "-q")
    git("-c", "user.email=t@example.com", "-c", "user.name=t", "add", ".")
    git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "base")
    added = tmp_path / "shop" / "migrations" / "0002_remove_product_sku.py"
    added.write_text(SHOP["0002_remove_product_sku"])
    result = run_check(tmp_path, "--since", "HEAD")
    assert result.returncode == 0, result.stderr
    assert result.phases == {"shop.0002_remove_product_sku": "post"}
    # a table created by a file added since the ref does not exist in production yet: adding a NOT
    # NULL column to it later in the same release is fine
    git("-c", "user.email=t@example.com", "-c", "user.name=t", "add", ".")
    git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "release 1")
    folder = tmp_path / "shop" / "migrations"
    tag = migration(create_model("Tag"), deps=[("shop", "0002_remove_product_sku")])
    (folder / "0003_tag.py").write_text(tag)
    (folder / "0004_tag_code.py").write_text(
        migration(
            "migrations.AddField('tag', 'code', models.CharField(max_length=5, default='x'))",
            deps=[("shop", "0003_tag")],
        )
    )
    release = run_check(tmp_path, "--since", "HEAD")
    assert release.phases["shop.0004_tag_code"] == "pre", release.stdout
    assert run_check(tmp_path).phases["shop.0004_tag_code"] == "blocked"
    bad = run_check(tmp_path, "--since", "no-such-ref")
    assert bad.returncode == 2 and "no-such-ref" in bad.stderr


def test_since_works_on_a_shallow_clone_and_says_when_the_ref_is_missing(tmp_path: Path) -> None:
    """CI checkouts are shallow: the deployed release's commit is missing until fetched, and comparing
    needs only that commit, not the history between."""
    origin = tmp_path / "origin"
    write_project(origin, {"shop": {"0001_initial": SHOP["0001_initial"]}})

    def git(where: Path, *args: str) -> str:
        done = subprocess.run(["git", "-C", str(where), "-c", "user.email=t@example.com", "-c", "user.name=t",
                               *args], check=True, capture_output=True, text=True)
        return done.stdout.strip()

    git(origin, "init", "-q")
    git(origin, "add", ".")
    git(origin, "commit", "-qm", "release 1")
    released = git(origin, "rev-parse", "HEAD")
    added = origin / "shop" / "migrations" / "0002_remove_product_sku.py"
    added.write_text(SHOP["0002_remove_product_sku"])
    git(origin, "add", ".")
    git(origin, "commit", "-qm", "release 2")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth=1", origin.as_uri(), str(clone))

    missing = run_check(clone, "--since", released)
    assert missing.returncode == 2, missing.stderr
    assert "shallow" in missing.stderr and f"git fetch --depth=1 origin {released}" in missing.stderr
    assert "Traceback" not in missing.stderr

    git(clone, "fetch", "-q", "--depth=1", "origin", released)
    fetched = run_check(clone, "--since", released)
    assert fetched.returncode == 0, fetched.stderr
    assert fetched.phases == {"shop.0002_remove_product_sku": "post"}


def test_sarif_and_github_formats(tmp_path: Path) -> None:
    write_project(tmp_path, {"shop": SHOP, "orders": BLOCKED})
    sarif = run_check(tmp_path, fmt="sarif")
    assert sarif.returncode == 1
    log = json.loads(sarif.stdout)
    assert log["version"] == "2.1.0"
    from sarif_pydantic import Sarif  # an independent model of the SARIF 2.1.0 schema

    Sarif.model_validate(log)
    run = log["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert "add-field-not-null-default" in rule_ids and rule_ids == sorted(rule_ids)
    results = {r["ruleId"]: r for r in run["results"]}
    location = results["add-field-not-null-default"]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "orders/migrations/0002_code.py"
    source = (tmp_path / "orders" / "migrations" / "0002_code.py").read_text().splitlines()
    assert "AddField" in source[location["region"]["startLine"] - 1]
    assert results["add-field-not-null-default"]["level"] == "error"
    assert rule_ids[results["add-field-not-null-default"]["ruleIndex"]] == "add-field-not-null-default"

    github = run_check(tmp_path, fmt="github")
    lines = github.stdout.splitlines()
    assert any(line.startswith("::error file=orders/migrations/0002_code.py,line=") for line in lines)
    notice = "::notice file=shop/migrations/0002_remove_product_sku.py,line=13"
    assert any(line.startswith(notice) for line in lines)
    assert all("\n" not in line for line in lines)


def test_sarif_and_github_paths_are_relative_to_the_repository_root(tmp_path: Path) -> None:
    project = write_project(tmp_path / "services" / "shop", {"orders": BLOCKED})
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    sarif = json.loads(run_check(project, fmt="sarif", cwd=project).stdout)
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]
    }
    assert uris == {"services/shop/orders/migrations/0002_code.py"}, uris
    github = run_check(project, fmt="github", cwd=project).stdout
    assert "::error file=services/shop/orders/migrations/0002_code.py,line=" in github
    # text and json stay relative to where the command runs
    assert (
        run_check(project, cwd=project).verdict("orders", "0002_code")["path"]
        == "orders/migrations/0002_code.py"
    )


def test_unknown_format(tmp_path: Path) -> None:
    write_project(tmp_path, {"shop": SHOP})
    result = run_check(tmp_path, fmt="yaml")
    assert result.returncode == 2 and "unknown format" in result.stderr


def test_rules_command_lists_every_rule_id() -> None:
    from typer.testing import CliRunner

    from djhelm.cli import app

    result = CliRunner().invoke(app, ["migrations", "rules"], terminal_width=200)
    assert result.exit_code == 0, result.output
    ids = [line.split()[0] for line in result.output.splitlines()]
    assert {"add-field-not-null-default", "rename-field", "alter-field-type", "mixed-phases"} <= set(ids)
    assert ids == sorted(ids)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("import sys\nsys.exit(0)\n", "called sys.exit(0) while being imported"),
        ("import sys\nsys.exit(3)\n", "called sys.exit(3) while being imported"),
        ("raise KeyboardInterrupt\n", "KeyboardInterrupt"),
        ("class Stop(BaseException):\n    pass\nraise Stop('halt')\n", "Stop: halt"),
    ],
)
@pytest.mark.parametrize("where", ["settings", "migration"])
def test_project_code_that_exits_at_import_is_a_usage_error(
    tmp_path: Path, code: str, expected: str, where: str
) -> None:
    """`sys.exit(0)` in a migration used to end the check with exit 0 and no output: CI read a pass."""
    files = dict(SHOP)
    if where == "migration":
        files["0003_exits"] = "from django.db import migrations\n" + code
    write_project(tmp_path, {"shop": files}, settings_extra=code if where == "settings" else "")
    result = run_check(tmp_path)
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert expected in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("fmt", ["json", "sarif", "github", "text"])
def test_project_code_that_prints_or_closes_stdout_leaves_the_report_intact(tmp_path: Path, fmt: str) -> None:
    settings = "import sys\nprint('settings loaded')\nsys.stdout.close()\n"
    files = dict(SHOP)
    files["0001_initial"] = "print('importing 0001')\n" + files["0001_initial"]
    write_project(tmp_path, {"shop": files}, settings_extra=settings)
    result = run_check(tmp_path, fmt=fmt)
    assert result.returncode == 0, result.stderr
    assert "settings loaded" in result.stderr and "importing 0001" in result.stderr
    assert "settings loaded" not in result.stdout and "importing 0001" not in result.stdout
    if fmt in ("json", "sarif"):
        json.loads(result.stdout)
    else:
        assert "0002_remove_product_sku" in result.stdout or fmt == "github", result.stdout


def test_an_operation_that_cannot_be_judged_names_its_file_and_index(tmp_path: Path) -> None:
    odd = (
        "from django.db import migrations\n\n\n"
        "class Odd(migrations.AddField):\n"
        "    def __init__(self):\n"
        "        pass  # never sets model_name, name or field\n\n"
        "    def state_forwards(self, app_label, state):\n"
        "        pass\n\n\n"
        "class Migration(migrations.Migration):\n"
        "    dependencies = [('shop', '0002_remove_product_sku')]\n"
        "    operations = [Odd()]\n"
    )
    files = {**SHOP, "0003_odd": odd}
    write_project(tmp_path, {"shop": files})
    result = run_check(tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    expected = "shop/migrations/0003_odd.py: operation 0 (Odd) could not be judged"
    assert expected in result.stderr, result.stderr
    assert "fix:" in result.stderr and "Traceback" not in result.stderr


def test_two_squashes_replacing_the_same_migration_are_named_not_guessed(tmp_path: Path) -> None:
    """Django's loader keeps one of them by hash seed, or never returns; the check names both instead."""
    squash = migration(
        create_model("Product", "('sku', models.CharField(max_length=20, null=True))"),
        initial=True,
        body="replaces = [('shop', '0001_initial'), ('shop', '0002_remove_product_sku')]",
    )
    files = {**SHOP, "0001_squashed_0002": squash, "0001_squashed_0002_b": squash}
    write_project(tmp_path, {"shop": files})
    for seed in ("0", "1", "2"):
        result = run_check(tmp_path, env={"PYTHONHASHSEED": seed})
        assert result.returncode == 2, result.stdout + result.stderr
        assert (
            "shop.0001_squashed_0002 and shop.0001_squashed_0002_b both replace shop.0001_initial"
            in result.stderr
        ), result.stderr
    (tmp_path / "shop" / "migrations" / "0001_squashed_0002_b.py").unlink()
    assert run_check(tmp_path).returncode == 0


def _commit(root: Path, message: str) -> None:
    for args in (["add", "."], ["commit", "-qm", message]):
        subprocess.run(
            ["git", "-C", str(root), "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
            check=True,
            capture_output=True,
        )


def test_in_a_release_an_expand_behind_a_contract_is_blocked_unless_it_emits_no_sql(tmp_path: Path) -> None:
    """--since knows the release: its expand migration cannot run before the rollout if it needs the
    release's own contract migration. One that emits no SQL just follows it into the post phase."""
    write_project(tmp_path, {"shop": {"0001_initial": SHOP["0001_initial"]}})
    subprocess.run(["git", "-C", str(tmp_path), "init", "-q"], check=True)
    _commit(tmp_path, "deployed")
    folder = tmp_path / "shop" / "migrations"
    folder.joinpath("0002_remove_product_sku.py").write_text(SHOP["0002_remove_product_sku"])
    labels = migration(
        "migrations.AlterModelOptions('product', options={'verbose_name': 'Item'})",
        deps=[("shop", "0002_remove_product_sku")],
    )
    folder.joinpath("0003_labels.py").write_text(labels)
    column = migration(
        "migrations.AddField('product', 'note', models.TextField(null=True))", deps=[("shop", "0003_labels")]
    )
    folder.joinpath("0004_note.py").write_text(column)
    release = run_check(tmp_path, "--since", "HEAD")
    assert release.returncode == 1, release.stderr
    assert release.phases == {
        "shop.0002_remove_product_sku": "post",
        "shop.0003_labels": "post",
        "shop.0004_note": "blocked",
    }
    assert release.rules("shop", "0003_labels") == ["follows-post"]
    assert release.rules("shop", "0004_note") == ["depends-on-post"]
    history = run_check(tmp_path)  # the same files judged as one long history
    assert history.returncode == 0, history.stderr
    assert history.phases["shop.0004_note"] == "pre" and history.phases["shop.0003_labels"] == "pre"
    assert "1 expand migration(s) come after contract ones" in history.stderr
    assert "shop.0004_note after shop.0002_remove_product_sku" in history.stderr
