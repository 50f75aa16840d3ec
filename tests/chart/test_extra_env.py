"""extraEnvFrom (existing ConfigMaps/Secrets) and fieldEnv (Downward API) reach every container that runs the
app's code: web, metrics, workers, beat, migration Jobs and the wait-for-migrations init containers. The
chart's own ConfigMap comes last, so its variables win over a user's ConfigMap of the same keys."""

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
EXTRA = {
    "extraEnvFrom": [{"configMapRef": {"name": "shared-settings"}},
                     {"secretRef": {"name": "vendor-api", "optional": True}}],
    "fieldEnv": {"POD_IP": "status.podIP", "NODE_NAME": "spec.nodeName",
                 "ZONE": "metadata.labels['topology.kubernetes.io/zone']"},
}


def _containers(docs: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    return [(f"{name}/{container['name']}", container) for _, name, template in pod_templates(docs)
            for container in template["spec"].get("initContainers", []) + template["spec"]["containers"]]


@pytest.mark.parametrize("kube", ["1.29", "1.37"])
def test_every_app_container_gets_the_extra_env(helm: str, tmp_path: Path, kube: str) -> None:
    values = tmp_path / "values.yaml"
    values.write_text(yaml.safe_dump(EXTRA))
    text = helm_template(helm, committed_chart("events"), "-f", str(values), kube_version=kube)
    containers = _containers(manifests(text))
    assert len(containers) >= 7
    for name, container in containers:
        sources = container["envFrom"]
        assert sources[:2] == [{"configMapRef": {"name": "shared-settings", "optional": False}},
                               {"secretRef": {"name": "vendor-api", "optional": True}}], name
        assert "configMapRef" in sources[-1], name  # the chart's own, last: it wins
        fields = {e["name"]: e["valueFrom"]["fieldRef"]["fieldPath"] for e in container["env"]
                  if "fieldRef" in e.get("valueFrom", {})}
        assert fields == EXTRA["fieldEnv"], name
    result = validate_text(text, kube)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("bad", [
    {"fieldEnv": {"POD_IP": "status.podIPX"}},
    {"fieldEnv": {"1BAD": "status.podIP"}},
    {"extraEnvFrom": [{"configMapRef": {"name": "a"}, "secretRef": {"name": "b"}}]},
    {"extraEnvFrom": [{"secretRef": {"name": "b", "key": "password"}}]},
])
def test_the_values_schema_refuses_what_kubernetes_would(helm3: str, tmp_path: Path,
                                                         bad: dict[str, Any]) -> None:
    stderr = helm_refusal(helm3, committed_chart("shop"), bad, tmp_path)
    assert "schema" in stderr, stderr
