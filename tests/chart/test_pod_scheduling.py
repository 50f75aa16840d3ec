"""affinity, priorityClassName, nodeSelector, tolerations and podLabels reach every pod the chart runs (web,
workers, beat, migration Jobs), on the oldest and newest Kubernetes it claims, with Helm 3 and 4; the chart's
own selector labels cannot be replaced."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.chart.support import (
    committed_chart,
    helm_refusal,
    helm_template,
    manifests,
    pod_templates,
    validate_text,
)

pytestmark = pytest.mark.helm
AFFINITY = {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{
    "weight": 50,
    "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname",
                        "labelSelector": {"matchLabels": {"app.kubernetes.io/name": "events"}}},
}]}}
EXTRA = {
    "affinity": AFFINITY,
    "priorityClassName": "business-critical",
    "nodeSelector": {"pool": "web"},
    "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "web", "effect": "NoSchedule"}],
    "podLabels": {"cost-centre": "shop", "sidecar.istio.io/inject": "false"},
}


def _pod_templates(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {f"{kind}/{name}": template for kind, name, template in pod_templates(docs)}


@pytest.mark.parametrize("kube", ["1.29", "1.37"])
def test_every_pod_gets_the_scheduling_values(helm: str, tmp_path: Path, kube: str) -> None:
    values = tmp_path / "values.yaml"
    values.write_text(yaml.safe_dump(EXTRA))
    text = helm_template(helm, committed_chart("events"), "-f", str(values), kube_version=kube)
    templates = _pod_templates(manifests(text))
    assert len(templates) >= 5  # web, worker, beat, the pre Job and the post Job
    for name, template in templates.items():
        spec = template["spec"]
        assert spec["affinity"] == AFFINITY, name
        assert spec["priorityClassName"] == "business-critical", name
        assert spec["nodeSelector"] == {"pool": "web"} and spec["tolerations"] == EXTRA["tolerations"], name
        assert EXTRA["podLabels"].items() <= template["metadata"]["labels"].items(), name
    result = validate_text(text, kube)
    assert result.returncode == 0, result.stdout + result.stderr


def test_defaults_add_nothing(helm3: str) -> None:
    for name, template in _pod_templates(manifests(helm_template(helm3, committed_chart("events")))).items():
        assert not {"affinity", "priorityClassName"} & set(template["spec"]), name


def test_pod_labels_cannot_replace_the_selector_labels(helm3: str, tmp_path: Path) -> None:
    refused = {"podLabels": {"app.kubernetes.io/component": "other"}}
    stderr = helm_refusal(helm3, committed_chart("shop"), refused, tmp_path)
    assert "podLabels" in stderr, stderr
