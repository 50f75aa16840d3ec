"""Both rule families find their rules the same way: every public module of the package is imported."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from djhelm.discovery import import_rule_modules
from djhelm.safety.registry import all_rule_ids
from djhelm.validation.rules import all_rules


def test_every_public_module_is_imported_whatever_its_name(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "somerules"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "zd900_named.py").write_text("LOADED = True\n")
    (package / "other_name.py").write_text("LOADED = True\n")  # the old prefix filter skipped this one
    (package / "_helper.py").write_text("raise RuntimeError('a private helper is not a rule module')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        names = import_rule_modules(importlib.import_module("somerules"))
        assert names == ["other_name", "zd900_named"]
        assert sys.modules["somerules.other_name"].LOADED
    finally:
        for name in [m for m in sys.modules if m.startswith("somerules")]:
            del sys.modules[name]


def test_both_families_register_through_it() -> None:
    """A rule module of each family, first and last by name, is registered."""
    ids = [rule.id for rule in all_rules()]
    assert ids[0] == "ZD001" and "ZD014" in ids
    assert {"add-index", "delete-model", "run-sql-add-column-fk"} <= set(all_rule_ids())
