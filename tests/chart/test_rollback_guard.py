"""With phases, the chart ships a pre-rollback hook in which the target release's code checks the schema
(`migrate_phase rollback-check`): Helm runs the hooks of the release it rolls back to
(pkg/action/rollback.go: `targetRelease.Hooks = previousRelease.Hooks`)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.chart.support import committed_chart, helm_template, manifests

pytestmark = pytest.mark.helm


def _guards(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] == "Job"
            and d["metadata"].get("annotations", {}).get("helm.sh/hook") == "pre-rollback"]


@pytest.mark.parametrize("strategy", ["hook", "job"])
def test_a_phased_chart_guards_rollbacks(helm: str, strategy: str) -> None:
    chart = committed_chart("events")
    docs = manifests(helm_template(helm, chart, "--set", f"migrations.strategy={strategy}"))
    [guard] = _guards(docs)
    container = guard["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["python", "manage.py", "migrate_phase", "rollback-check"]
    assert guard["metadata"]["labels"]["app.kubernetes.io/component"] == "rollback-check"
    web = next(d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"].endswith("-web"))
    assert container["image"] == web["spec"]["template"]["spec"]["containers"][0]["image"]


@pytest.mark.parametrize("extra", [
    ["--set", "migrations.rollbackGuard=false"],
    ["--set", "migrations.strategy=argocd"],  # Argo CD runs no rollback hooks: the pods' wait checks
    ["--set", "migrations.phases=false"],
])
def test_no_guard_when_off_or_not_run(helm3: str, extra: list[str]) -> None:
    assert _guards(manifests(helm_template(helm3, committed_chart("events"), *extra))) == []
