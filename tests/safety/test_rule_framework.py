"""The migration-rule framework holds each rule to the ids it declared with @rule."""

from __future__ import annotations

import re

import pytest

from djhelm.errors import InternalError
from djhelm.safety.classify import declared_findings
from djhelm.safety.model import Finding
from djhelm.safety.registry import RuleSpec, all_rule_ids


def _spec(delegates: bool = False) -> RuleSpec:
    return RuleSpec(
        lambda ctx: [], (object,), {"add-thing": "Adds a thing."}, "tests.rule", delegates=delegates
    )


def _finding(rule_id: str) -> Finding:
    return Finding(rule=rule_id, severity="error", operation=0, message="m")


def test_a_declared_id_passes_through() -> None:
    assert [f.rule for f in declared_findings(_spec(), [_finding("add-thing")])] == ["add-thing"]


def test_an_id_the_rule_did_not_declare_is_a_djhelm_bug_not_a_finding() -> None:
    with pytest.raises(InternalError, match=re.escape("tests.rule.<lambda> reported 'add-thng'")):
        list(declared_findings(_spec(), [_finding("add-thing"), _finding("add-thng")]))


def test_a_delegating_rule_passes_on_the_ids_of_the_rules_it_asked() -> None:
    assert "add-field-not-null" in all_rule_ids()
    found = declared_findings(_spec(delegates=True), [_finding("add-field-not-null")])
    assert [f.rule for f in found] == ["add-field-not-null"]
