"""DeleteModel: post (a contract step); a model created and deleted in one migration is nothing."""

from __future__ import annotations

from pathlib import Path

from tests.safety.support import change_apps, create_model, migration, run_check, write_project


def test_delete_model(tmp_path: Path) -> None:
    apps = change_apps({"gone": "migrations.DeleteModel('item')"}, ["('name', models.TextField())"])
    apps["tmp"] = {"0001_initial": migration(create_model("Scratch"), "migrations.DeleteModel('scratch')")}
    write_project(tmp_path, apps)
    result = run_check(tmp_path)
    assert result.phases["gone.0002_change"] == "post"
    assert result.rules("gone", "0002_change") == ["delete-model"]
    assert result.verdict("tmp", "0001_initial") ["findings"] == []
    assert result.returncode == 0
