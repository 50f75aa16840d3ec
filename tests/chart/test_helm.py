"""The example charts pass `helm lint --strict` and render with Helm 3 and Helm 4 on old and new clusters."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.chart.support import (
    EXAMPLES,
    by_kind,
    committed_chart,
    example_config,
    helm_template,
    manifests,
    named,
    render,
)

pytestmark = pytest.mark.helm

OLD_KUBE, NEW_KUBE = "1.29", "1.37"
# The installed console script, as a user runs it.
DJHELM = str(Path(sys.executable).parent / "djhelm")


@pytest.mark.parametrize("name", EXAMPLES)
def test_lint_strict(helm: str, name: str) -> None:
    for kube in (OLD_KUBE, NEW_KUBE):
        proc = subprocess.run(
            [helm, "lint", "--strict", str(committed_chart(name)), "--kube-version", kube],
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "[WARNING]" not in proc.stdout and "[ERROR]" not in proc.stdout, proc.stdout


@pytest.mark.parametrize("name", EXAMPLES)
def test_prestop_follows_the_cluster_version(helm: str, name: str) -> None:
    old = named(
        manifests(helm_template(helm, committed_chart(name), kube_version=OLD_KUBE)), "Deployment", "-web"
    )
    new = named(
        manifests(helm_template(helm, committed_chart(name), kube_version=NEW_KUBE)), "Deployment", "-web"
    )
    old_stop = old["spec"]["template"]["spec"]["containers"][0]["lifecycle"]["preStop"]
    new_stop = new["spec"]["template"]["spec"]["containers"][0]["lifecycle"]["preStop"]
    # PodLifecycleSleepAction is off by default before 1.30: fall back to the image's sleep binary.
    assert old_stop == {"exec": {"command": ["sleep", "10"]}}
    assert new_stop == {"sleep": {"seconds": 10}}


@pytest.mark.parametrize("name", EXAMPLES)
def test_web_rollout_settings(helm: str, name: str) -> None:
    docs = manifests(helm_template(helm, committed_chart(name)))
    web = named(docs, "Deployment", "-web")
    spec = web["spec"]
    pod = spec["template"]["spec"]
    container = pod["containers"][0]
    assert spec["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0},
    }
    assert spec["minReadySeconds"] > 0
    graceful = int(spec["template"]["metadata"]["annotations"]["djhelm.dev/graceful-timeout-seconds"])
    assert pod["terminationGracePeriodSeconds"] > 10 + graceful
    flag = "--graceful-timeout" if container["command"][0] == "gunicorn" else "--timeout-graceful-shutdown"
    assert container["command"][container["command"].index(flag) + 1] == str(graceful)
    assert container["name"] == "web" and container["ports"][0]["name"] == "http"
    assert container["readinessProbe"]["httpGet"]["path"] != container["livenessProbe"]["httpGet"]["path"]
    assert "startupProbe" in container
    assert "checksum/config" in spec["template"]["metadata"]["annotations"]
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] and not security["allowPrivilegeEscalation"]
    assert security["capabilities"] == {"drop": ["ALL"]}
    assert (
        pod["securityContext"]["runAsNonRoot"]
        and pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    )
    assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]
    assert {c["topologyKey"] for c in pod["topologySpreadConstraints"]} == {
        "topology.kubernetes.io/zone",
        "kubernetes.io/hostname",
    }
    assert pod["automountServiceAccountToken"] is False
    pdb = named(docs, "PodDisruptionBudget", "-web")
    assert pdb["spec"]["maxUnavailable"] == 1 and pdb["spec"]["unhealthyPodEvictionPolicy"] == "AlwaysAllow"
    assert by_kind(docs, "ServiceAccount")
    assert all(sa["automountServiceAccountToken"] is False for sa in by_kind(docs, "ServiceAccount"))


def test_events_processes_and_routes(helm: str) -> None:
    docs = manifests(helm_template(helm, committed_chart("events")))
    beat = named(docs, "Deployment", "-beat")
    worker = named(docs, "Deployment", "-worker")
    assert beat["spec"]["replicas"] == 1 and beat["spec"]["strategy"] == {"type": "Recreate"}
    assert worker["spec"]["strategy"]["type"] == "RollingUpdate"
    assert "replicas" not in named(docs, "Deployment", "-web")["spec"]  # the HPA owns it
    assert named(docs, "HorizontalPodAutoscaler", "-web")["apiVersion"] == "autoscaling/v2"
    assert named(docs, "HTTPRoute", "")["spec"]["hostnames"] == ["events.example.com"]
    assert not by_kind(docs, "Ingress")


def test_shop_has_ingress_and_helm_test(helm: str) -> None:
    docs = manifests(helm_template(helm, committed_chart("shop")))
    assert named(docs, "Ingress", "")["spec"]["rules"][0]["host"] == "shop.example.com"
    test_pod = named(docs, "Pod", "-test-readiness")
    assert test_pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    env = {e["name"]: e["value"] for e in test_pod["spec"]["containers"][0]["env"]}
    assert env["DJHELM_TEST_URL"] == "http://rel-shop:80/healthz/ready"


def _validate(manifests_text: str, *kube_versions: str) -> subprocess.CompletedProcess[str]:
    flags = [flag for version in kube_versions for flag in ("--kube-version", version)]
    return subprocess.run(
        [DJHELM, "validate", "-", *flags], input=manifests_text, capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize("name", EXAMPLES)
def test_rendered_output_passes_djhelm_validate(helm: str, name: str) -> None:
    # The 1.29 rendering (exec preStop) is valid on both clusters.
    proc = _validate(helm_template(helm, committed_chart(name), kube_version=OLD_KUBE), OLD_KUBE, NEW_KUBE)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert " 0 error(s), 0 warning(s)" in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    # Each rendering is clean on the cluster it was rendered for.
    for kube in (OLD_KUBE, NEW_KUBE):
        proc = _validate(helm_template(helm, committed_chart(name), kube_version=kube), kube)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert " 0 error(s), 0 warning(s)" in proc.stdout + proc.stderr, proc.stdout + proc.stderr


def test_validate_notices_the_wrong_prestop_variant(helm3: str) -> None:
    """The 1.37 rendering uses the sleep action, which a 1.29 cluster drops: the validator must say so."""
    proc = _validate(helm_template(helm3, committed_chart("shop"), kube_version=NEW_KUBE), OLD_KUBE, NEW_KUBE)
    assert "preStop" in proc.stdout + proc.stderr


def test_values_schema_stops_bad_overrides(helm: str) -> None:
    proc = subprocess.run(
        [
            helm,
            "template",
            "rel",
            str(committed_chart("shop")),
            "--set",
            "web.port=abc",
            "--set",
            "web.bogus=1",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode != 0
    assert ("web.port" in proc.stderr or "/web/port" in proc.stderr) and "bogus" in proc.stderr, proc.stderr


@pytest.mark.parametrize("key", ["nameOverride", "fullnameOverride"])
@pytest.mark.parametrize("value", ["Bad_Name", "x\n  evil: true", "a" * 64])
def test_name_overrides_must_be_dns_labels(helm: str, key: str, value: str) -> None:
    """Both become part of every object name, written unquoted: anything but a DNS label breaks the output."""
    proc = subprocess.run(
        [helm, "template", "rel", str(committed_chart("shop")), "--set-string", f"{key}={value}"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode != 0 and key in proc.stderr, proc.stdout + proc.stderr
    ok = subprocess.run(
        [helm, "template", "rel", str(committed_chart("shop")), "--set-string", f"{key}=my-shop"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr


@pytest.mark.parametrize(
    ("chart_name", "release"), [("shop", "2024"), ("1", "rel"), ("yes", "yes"), ("0x1f", "0x1f")]
)
def test_names_yaml_would_read_as_numbers_or_booleans_stay_strings(
    helm3: str, tmp_path: Path, chart_name: str, release: str
) -> None:
    """A chart or release name like `2024`, `yes` or `0x1f` is a valid DNS label; printed unquoted into a
    label or a name it would become a number or a boolean, which the API server rejects."""
    config = tmp_path / "djhelm.yaml"
    config.write_text(example_config("shop").read_text().replace("name: shop", f'name: "{chart_name}"', 1))
    chart = render(config, tmp_path / "chart")
    rendered = subprocess.run(
        [helm3, "template", release, str(chart), "--kube-version", NEW_KUBE],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    proc = _validate(rendered, NEW_KUBE)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    labels = [doc["metadata"]["labels"] for doc in manifests(rendered)]
    assert all(isinstance(value, str) for found in labels for value in found.values()), labels


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_kubernetes_version_the_chart_claims_validates(helm: str, name: str) -> None:
    """Chart.yaml's kubeVersion is a promise: rendered for each minor it admits (that djhelm has schemas
    for), the chart must be valid on that minor."""
    import yaml

    from djhelm.validation.schemas import supported_versions

    chart = committed_chart(name)
    claim = yaml.safe_load((chart / "Chart.yaml").read_text())["kubeVersion"]
    oldest = int(claim.removeprefix(">=").split(".")[1])
    claimed = [v for v in supported_versions() if int(v.split(".")[1]) >= oldest]
    assert len(claimed) >= 9, claimed
    proc = subprocess.run([DJHELM, "validate", str(chart), "--helm-binary", helm, "-k", ",".join(claimed),
                           "--kubeconform-binary", "none"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert " 0 error(s), 0 warning(s)" in proc.stdout, proc.stdout
