"""extraInitContainers run first in every app pod and migration Job (a database proxy as a native sidecar is
up before the chart's database waits); extraContainers join web and worker pods but never migration Jobs,
which a regular sidecar would never let finish."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.chart.support import committed_chart, helm_template, manifests, pod_templates, validate_text

pytestmark = pytest.mark.helm
PROXY = {
    "name": "sql-proxy",
    "image": "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.0",
    "restartPolicy": "Always",
    "args": ["--port=5432", "project:region:instance"],
}
SIDECAR = {"name": "log-shipper", "image": "fluent/fluent-bit:3.2"}


@pytest.mark.parametrize("kube", ["1.29", "1.37"])
def test_extra_init_containers_come_first_and_sidecars_skip_jobs(
    helm: str, tmp_path: Path, kube: str
) -> None:
    values = tmp_path / "values.yaml"
    values.write_text(yaml.safe_dump({"extraInitContainers": [PROXY], "extraContainers": [SIDECAR]}))
    text = helm_template(helm, committed_chart("events"), "-f", str(values), kube_version=kube)
    pods = [(kind, name, template["spec"]) for kind, name, template in pod_templates(manifests(text))]
    assert {kind for kind, _, _ in pods} == {"Deployment", "Job", "CronJob"}
    for kind, name, spec in pods:
        assert spec["initContainers"][0] == PROXY, name
        sidecars = [c for c in spec["containers"] if c["name"] == SIDECAR["name"]]
        # a sidecar in a Job's pod (migration or cron run) would never let the Job end
        assert sidecars == ([SIDECAR] if kind == "Deployment" else []), name
    web = next(spec for kind, name, spec in pods if name.endswith("-web"))
    assert [c["name"] for c in web["initContainers"]] == ["sql-proxy", "wait-for-migrations"]
    result = validate_text(text, kube)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_pod_with_only_extra_init_containers_still_gets_them(helm3: str, tmp_path: Path) -> None:
    """shop migrates with Helm hooks: its pods have no wait-for-migrations, only the user's init container."""
    values = tmp_path / "values.yaml"
    values.write_text(yaml.safe_dump({"extraInitContainers": [PROXY]}))
    docs = manifests(helm_template(helm3, committed_chart("shop"), "-f", str(values)))
    web = next(d for d in docs if d["kind"] == "Deployment")
    assert web["spec"]["template"]["spec"]["initContainers"] == [PROXY]
    plain = manifests(helm_template(helm3, committed_chart("shop")))
    assert (
        "initContainers"
        not in next(d for d in plain if d["kind"] == "Deployment")["spec"]["template"]["spec"]
    )
