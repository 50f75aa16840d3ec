"""How operations combine into a migration phase, and how declared phases and acknowledgements apply."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.safety.support import CheckRun, create_model, migration, run_check, write_project

INITIAL = {"0001_initial": migration(
    create_model("Item", "('old', models.TextField(null=True))", "('gone', models.TextField(null=True))"),
    initial=True,
)}


def _app(*later: tuple[str, str]) -> dict[str, str]:
    files = dict(INITIAL)
    previous = "0001_initial"
    for name, source in later:
        files[name] = source.replace("'DEPS'", repr(previous))
        previous = name
    return files


def _mig(*ops: str, body: str = "", imports: str = "") -> str:
    return migration(*ops, deps=[("APP", "DEPS")], body=body, imports=imports)


ADD_NULLABLE = "migrations.AddField('item', 'extra', models.TextField(null=True))"
ADD_NOT_NULL = "migrations.AddField('item', 'code', models.CharField(max_length=5, default='x'))"
REMOVE = "migrations.RemoveField('item', 'old')"
SAFE = "from django_safemigrate import Safe"

CASES: dict[str, dict[str, str]] = {
    "clean": _app(
        ("0002_labels", _mig("migrations.AlterField('item', 'old', models.TextField(null=True, "
                             "verbose_name='Old', help_text='h', blank=True))")),
        ("0003_options", _mig("migrations.AlterModelOptions('item', options={'ordering': ['id']})")),
    ),
    "mixed": _app(("0002_both", _mig(ADD_NULLABLE, REMOVE))),
    "deps": _app(("0002_drop", _mig(REMOVE)), ("0003_add", _mig(ADD_NULLABLE))),
    "declared": _app(
        ("0002_drop_pre", _mig(REMOVE, body="djhelm_phase = 'pre'")),
        ("0003_add_post", _mig(ADD_NULLABLE, body="djhelm_phase = 'post'")),
        ("0004_bad", _mig("migrations.RemoveField('item', 'gone')", body="djhelm_phase = 'later'")),
    ),
    "acks": _app(
        ("0002_acked", _mig(ADD_NOT_NULL, body="djhelm_ack = {'add-field-not-null-default': 'empty'}")),
        ("0003_no_reason", _mig(
            "migrations.AddField('item', 'code2', models.CharField(max_length=5, default='x'))",
            body="djhelm_ack = {'add-field-not-null-default': '  '}",
        )),
        ("0004_unused", _mig(
            "migrations.AddField('item', 'note', models.TextField(null=True))",
            body="djhelm_ack = {'rename-field': 'not here'}",
        )),
    ),
    "safe": _app(
        ("0002_after", _mig(REMOVE, body="safe = Safe.after_deploy()", imports=SAFE)),
        ("0003_after_add", _mig(ADD_NULLABLE, body="safe = Safe.after_deploy()",
                                imports=SAFE)),
        ("0004_before_drop", _mig("migrations.RemoveField('item', 'gone')",
                                  body="safe = Safe.before_deploy()",
                                  imports=SAFE)),
    ),
    "always": _app(
        ("0002_always", _mig("migrations.AddField('item', 'z', models.TextField(null=True))",
                             body="safe = Safe.always()", imports=SAFE)),
    ),
}


_roots: list[Path] = []


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> CheckRun:
    root = tmp_path_factory.mktemp("phases")
    apps = {
        label: {name: source.replace("'APP'", repr(label)) for name, source in files.items()}
        for label, files in CASES.items()
    }
    write_project(root, apps, extra_apps=["django_safemigrate.apps.SafeMigrateConfig"])
    _roots.append(root)
    return run_check(root)


def test_every_migration_of_the_project_apps_is_listed_and_nothing_else(result: CheckRun) -> None:
    expected = {f"{app}.{name}" for app, files in CASES.items() for name in files}
    assert set(result.phases) == expected
    assert result.returncode == 1, result.stderr


def test_create_model_is_pre_and_no_sql_changes_get_no_finding(result: CheckRun) -> None:
    assert result.phases["clean.0001_initial"] == "pre"
    for name in ("0002_labels", "0003_options"):
        verdict = result.verdict("clean", name)
        assert verdict["phase"] == "pre"
        assert verdict["findings"] == []


def test_mixing_expand_and_contract_is_blocked(result: CheckRun) -> None:
    assert result.phases["mixed.0002_both"] == "blocked"
    assert "mixed-phases" in result.rules("mixed", "0002_both")


def test_history_judged_as_one_release_keeps_its_order_but_says_so(result: CheckRun) -> None:
    """Without --since the release bounds are unknown: an expand migration behind a contract one is no
    error (every project that dropped a column and later added one), only a note with the --since hint."""
    assert result.phases["deps.0002_drop"] == "post"
    assert result.phases["deps.0003_add"] == "pre"
    assert result.rules("deps", "0003_add") == []
    assert "deps.0003_add after deps.0002_drop" in result.stderr and "--since" in result.stderr


def test_declared_phases(result: CheckRun) -> None:
    assert result.phases["declared.0002_drop_pre"] == "blocked"
    assert result.rules("declared", "0002_drop_pre") == ["remove-field", "declared-phase-conflict"]
    assert result.phases["declared.0003_add_post"] == "post"
    assert result.verdict("declared", "0003_add_post")["declared"] == "post"
    assert result.phases["declared.0004_bad"] == "blocked"
    assert "invalid-override" in result.rules("declared", "0004_bad")


def test_acknowledgement_needs_a_reason(result: CheckRun) -> None:
    acked = result.verdict("acks", "0002_acked")
    assert acked["phase"] == "pre"
    assert [(f["rule"], f["acknowledged"], f["severity"]) for f in acked["findings"]] == [
        ("add-field-not-null-default", "empty", "info")
    ]
    assert result.phases["acks.0003_no_reason"] == "blocked"
    rules = sorted(result.rules("acks", "0003_no_reason"))
    assert rules == ["ack-without-reason", "add-field-not-null-default"]
    assert result.phases["acks.0004_unused"] == "pre"
    assert result.rules("acks", "0004_unused") == ["ack-unused"]


def test_django_safemigrate_declarations(result: CheckRun) -> None:
    assert result.phases["safe.0002_after"] == "post"
    assert result.phases["safe.0003_after_add"] == "post"
    assert result.phases["safe.0004_before_drop"] == "blocked"
    assert "declared-phase-conflict" in result.rules("safe", "0004_before_drop")
    assert result.phases["always.0002_always"] == "pre"
    assert result.verdict("always", "0002_always")["declared"] == "any"


def test_output_is_deterministic(result: CheckRun) -> None:
    again = run_check(_roots[-1])
    assert again.stdout == result.stdout
