"""docs/migrations-rules.md must name every rule id the index/constraint/model/RunSQL/RunPython rules emit."""

from __future__ import annotations

from pathlib import Path

import pytest

from djhelm.safety.registry import _RULES, load_rules

DOC = Path(__file__).resolve().parents[2] / "docs" / "migrations-rules.md"
MODULES = {"add_index", "remove_index", "add_constraint", "unique_together", "index_together", "rename_model",
           "run_sql", "run_python", "separate_database_and_state", "order_with_respect_to"}


def _ids() -> list[str]:
    load_rules()
    return sorted(rid for spec in _RULES if spec.module.rsplit(".", 1)[-1] in MODULES for rid in spec.ids)


def test_the_modules_exist() -> None:
    load_rules()
    assert {spec.module.rsplit(".", 1)[-1] for spec in _RULES} >= MODULES


@pytest.mark.parametrize("rule_id", _ids())
def test_rule_is_documented(rule_id: str) -> None:
    assert f"`{rule_id}`" in DOC.read_text()


def test_every_proof_the_doc_cites_exists() -> None:
    import re

    proofs = Path(__file__).resolve().parent / "postgres_proofs"
    cited: list[tuple[str, str]] = []
    for line in DOC.read_text().splitlines():
        current = ""
        for file, name in re.findall(r"`(test_\w+\.py)?::(test_\w+)`", line):
            current = file or current
            cited.append((current, name))
    assert len(cited) > 20
    for file, name in cited:
        assert f"def {name}(" in (proofs / file).read_text(), f"{file}::{name}"
