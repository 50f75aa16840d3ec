"""A validate rule reports under its own id: what `--skip`, the rules table and SARIF name."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from djhelm.errors import InternalError
from djhelm.validation import Finding
from djhelm.validation import core as validation_core
from djhelm.validation.rules import Rule, RuleContext, all_rules
from tests.validate.support import app, run


def _misnamed(ctx: RuleContext) -> Iterator[Finding]:
    for obj in ctx.of_kind("Deployment"):
        yield ctx.finding("ZD003", "error", obj, "reported under another rule's id")


def test_a_finding_under_another_rules_id_is_a_djhelm_bug(monkeypatch: pytest.MonkeyPatch) -> None:
    extra = Rule("ZD999", "misnamed", "error", "test", _misnamed)
    monkeypatch.setattr(validation_core, "all_rules", lambda: (*all_rules(), extra))
    with pytest.raises(InternalError, match="validate rule ZD999 reported a finding as 'ZD003'"):
        run(app())


def test_the_known_good_set_passes_with_every_rule_held_to_its_id() -> None:
    assert [f for f in run(app()).findings if f.severity == "error"] == []
