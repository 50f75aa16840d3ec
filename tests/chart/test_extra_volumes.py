"""extraVolumes and extraVolumeMounts: media on an existing claim and files from a ConfigMap reach every
container that runs the app's code, beside the chart's writable /tmp (the root filesystem stays read-only)."""

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
VOLUMES = [{"name": "uploads", "persistentVolumeClaim": {"claimName": "shop-uploads"}},
           {"name": "saml", "secret": {"secretName": "shop-saml"}}]
MOUNTS = [{"name": "uploads", "mountPath": "/app/media"},
          {"name": "saml", "mountPath": "/etc/saml", "readOnly": True}]


@pytest.mark.parametrize("kube", ["1.29", "1.37"])
def test_every_app_container_mounts_the_extra_volumes(helm: str, tmp_path: Path, kube: str) -> None:
    values = tmp_path / "values.yaml"
    values.write_text(yaml.safe_dump({"extraVolumes": VOLUMES, "extraVolumeMounts": MOUNTS}))
    text = helm_template(helm, committed_chart("events"), "-f", str(values), kube_version=kube)
    pods = [(name, template["spec"]) for _, name, template in pod_templates(manifests(text))]
    assert len(pods) >= 5
    for name, spec in pods:
        assert [v for v in spec["volumes"] if v["name"] in ("uploads", "saml")] == VOLUMES, name
        for container in spec.get("initContainers", []) + spec["containers"]:
            mounts = container["volumeMounts"]
            assert mounts[0]["mountPath"] == "/tmp" and all(m in mounts for m in MOUNTS), container["name"]
            assert container["securityContext"]["readOnlyRootFilesystem"] is True
    result = validate_text(text, kube)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("bad", [
    {"extraVolumes": [{"name": "tmp", "emptyDir": {}}]},
    {"extraVolumes": [{"name": "media", "emptyDir": {}}]},
    {"extraVolumeMounts": [{"name": "uploads", "mountPath": "relative/path"}]},
    {"extraVolumeMounts": [{"name": "uploads"}]},
])
def test_volume_values_the_chart_cannot_honour_are_refused(helm3: str, tmp_path: Path,
                                                          bad: dict[str, Any]) -> None:
    stderr = helm_refusal(helm3, committed_chart("shop"), bad, tmp_path)
    assert "schema" in stderr, stderr
