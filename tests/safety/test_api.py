"""classify_loader as djhelm.runtime calls it: inside a Django process, Django + stdlib only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.safety.support import create_model, migration, write_project

SCRIPT = textwrap.dedent("""
    import json, sys
    import django
    django.setup()
    from django.db.migrations.loader import MigrationLoader
    before = set(sys.modules)
    from djhelm.safety import classify_loader
    loader = MigrationLoader(None)
    only = {tuple(k) for k in json.loads(sys.argv[1])} if sys.argv[1] != "null" else None
    verdicts = classify_loader(loader, None, only, only_is_pending=sys.argv[2] == "pending")
    new = sorted({m.split(".")[0] for m in set(sys.modules) - before})
    print(json.dumps({"verdicts": [[v.app, v.name, v.phase, [f.rule for f in v.findings]] for v in verdicts],
                      "new_modules": new}))
""")


def _run(project: Path, only: object, pending: bool = False) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["DJANGO_SETTINGS_MODULE"] = "proj.settings"
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(only), "pending" if pending else "history"],
        cwd=project, env=env, capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def test_runtime_scenario_and_imports(tmp_path: Path) -> None:
    files = {
        "0001_initial": migration(create_model("Product", "('sku', models.TextField(null=True))"),
                                  create_model("Legacy"), initial=True),
        "0002_expand": migration(
            "migrations.AddField('product', 'note', models.TextField(null=True))",
            "migrations.AddField('product', 'qty', models.IntegerField(db_default=0))",
            create_model("Tag"),
            deps=[("shop", "0001_initial")],
        ),
        "0003_contract": migration(
            "migrations.RemoveField('product', 'sku')", "migrations.DeleteModel('legacy')",
            deps=[("shop", "0002_expand")],
        ),
        "0004_bad": migration(
            "migrations.AddField('product', 'code', models.CharField(max_length=5, default='x'))",
            deps=[("shop", "0003_contract")], body="djhelm_phase = 'post'",
        ),
    }
    write_project(tmp_path, {"shop": files})
    everything = _run(tmp_path, None)
    assert everything["verdicts"] == [
        ["shop", "0001_initial", "pre", []],
        ["shop", "0002_expand", "pre", []],
        ["shop", "0003_contract", "post", ["remove-field", "delete-model"]],
        ["shop", "0004_bad", "blocked", ["add-field-not-null-default"]],
    ]
    # The generator's own dependencies must stay out of a Django process (pglast only for RunSQL).
    generator_deps = {"yaml", "typer", "click", "jinja2", "jsonschema", "pglast", "rich"}
    assert generator_deps.isdisjoint(everything["new_modules"])  # type: ignore[arg-type]
    pending = _run(tmp_path, [["shop", "0002_expand"], ["shop", "0003_contract"]])
    assert [v[:3] for v in pending["verdicts"]] == [  # type: ignore[index]
        ["shop", "0002_expand", "pre"],
        ["shop", "0003_contract", "post"],
    ]


def test_tables_created_by_pending_migrations_count_as_new(tmp_path: Path) -> None:
    files = {
        "0001_initial": migration(create_model("Product"), initial=True),
        "0002_tag": migration(create_model("Tag"), deps=[("shop", "0001_initial")]),
        "0003_tag_code": migration(
            "migrations.AddField('tag', 'code', models.CharField(max_length=5, default='x', unique=True))",
            deps=[("shop", "0002_tag")],
        ),
    }
    write_project(tmp_path, {"shop": files})
    history = _run(tmp_path, None)  # everything judged: the Tag table may hold rows by 0003
    assert history["verdicts"][2][2:] == ["blocked", ["add-field-not-null-default", "add-field-unique"]]
    keys = [["shop", "0002_tag"], ["shop", "0003_tag_code"]]
    release = _run(tmp_path, keys, pending=True)
    assert [v[2:] for v in release["verdicts"]] == [["pre", []], ["pre", []]]  # type: ignore[union-attr]
    not_pending = _run(tmp_path, keys)
    assert not_pending["verdicts"][1][2] == "blocked"  # type: ignore[index]
