"""extraVolumes and extraVolumeMounts: media on an existing claim and files from a ConfigMap reach every
container that runs the app's code, beside the chart's writable /tmp (the root filesystem stays read-only)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.chart.support import committed_chart, helm_template, manifests

pytestmark = pytest.mark.helm
DJHELM = str(Path(sys.executable).parent / "djhelm")
VOLUMES = [{"name": "media", "persistentVolumeClaim": {"claimName": "shop-media"}},
           {"name": "saml", "secret": {"secretName": "shop-saml"}}]
MOUNTS = [{"name": "media", "mountPath": "/app/media"},
          {"name": "saml", "mountPath": "/etc/saml", "readOnly": True}]


def _pods(docs: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    return [(doc["metadata"]["name"], doc["spec"]["template"]["spec"]) for doc in docs
            if doc["kind"] in ("Deployment", "Job")]


@pytest.mark.parametrize("kube", ["1.29", "1.37"])
def test_every_app_container_mounts_the_extra_volumes(helm: str, tmp_path: Path, kube: str) -> None:
    values = tmp_path / "values.yaml"
    values.write_text(yaml.safe_dump({"extraVolumes": VOLUMES, "extraVolumeMounts": MOUNTS}))
    text = helm_template(helm, committed_chart("events"), "-f", str(values), kube_version=kube)
    pods = _pods(manifests(text))
    assert len(pods) >= 5
    for name, spec in pods:
        assert [v for v in spec["volumes"] if v["name"] in ("media", "saml")] == VOLUMES, name
        for container in spec.get("initContainers", []) + spec["containers"]:
            mounts = container["volumeMounts"]
            assert mounts[0]["mountPath"] == "/tmp" and all(m in mounts for m in MOUNTS), container["name"]
            assert container["securityContext"]["readOnlyRootFilesystem"] is True
    result = subprocess.run([DJHELM, "validate", "-", "--kube-version", kube], input=text,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("bad", [
    {"extraVolumes": [{"name": "tmp", "emptyDir": {}}]},
    {"extraVolumeMounts": [{"name": "media", "mountPath": "relative/path"}]},
    {"extraVolumeMounts": [{"name": "media"}]},
])
def test_volume_values_the_chart_cannot_honour_are_refused(helm3: str, tmp_path: Path,
                                                          bad: dict[str, Any]) -> None:
    values = tmp_path / "values.yaml"
    values.write_text(yaml.safe_dump(bad))
    result = subprocess.run([helm3, "template", "rel", str(committed_chart("shop")), "-f", str(values)],
                            capture_output=True, text=True)
    assert result.returncode != 0 and "schema" in result.stderr, result.stderr
