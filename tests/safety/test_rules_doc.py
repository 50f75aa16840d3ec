"""docs/migrations-rules.md must name every rule id the index/constraint/model/RunSQL/RunPython rules emit."""

from __future__ import annotations

from pathlib import Path

import pytest

from djhelm.safety.registry import _RULES, load_rules

DOC = Path(__file__).resolve().parents[2] / "docs" / "migrations-rules.md"
MODULES = {"add_index", "remove_index", "add_constraint", "unique_together", "index_together", "rename_model",
           "run_sql", "run_python", "separate_database_and_state"}


def _ids() -> list[str]:
    load_rules()
    return sorted(rid for spec in _RULES if spec.module.rsplit(".", 1)[-1] in MODULES for rid in spec.ids)


def test_the_modules_exist() -> None:
    load_rules()
    assert {spec.module.rsplit(".", 1)[-1] for spec in _RULES} >= MODULES


@pytest.mark.parametrize("rule_id", _ids())
def test_rule_is_documented(rule_id: str) -> None:
    assert f"`{rule_id}`" in DOC.read_text()
