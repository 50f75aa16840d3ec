"""The chart's replica env vars, rendered by real Helm, are exactly what djhelm.runtime.db reads.

Kubernetes itself (resolving secretKeyRef and expanding ``$(VAR)``) cannot run here, so this test does those
two steps on the rendered env list: each secret reference becomes a URL naming its key, then ``$(VAR)``
references are expanded in order, as the kubelet does.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from djhelm.runtime import db
from tests.support.kube_env import config_maps_of
from tests.support.kube_env import container_env as resolve_container_env

pytestmark = pytest.mark.helm

CHART = Path(__file__).resolve().parents[2] / "charts" / "events"


def container_env(helm: str, *sets: str) -> dict[str, dict[str, str]]:
    """Container name -> env as the pod would see it (for the web and worker containers)."""
    args = [helm, "template", "rel", str(CHART)]
    for item in sets:
        args += ["--set", item]
    rendered = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    docs = [doc for doc in yaml.safe_load_all(rendered) if doc]
    config_maps = config_maps_of(docs)
    found: dict[str, dict[str, str]] = {}
    for document in docs:
        if document.get("kind") != "Deployment":
            continue
        for container in document["spec"]["template"]["spec"]["containers"]:
            found[container["name"]] = resolve_container_env(container, config_maps, _fake_secret)
    return found


def _fake_secret(name: str, key: str) -> str:
    return f"postgres://app:pw@{key}.db:5432/{name.replace('-', '_')}"


@pytest.fixture
def chart() -> Path:
    if not (CHART / "Chart.yaml").exists():
        pytest.skip("charts/events is not rendered in this checkout")
    return CHART


def test_web_and_worker_pods_get_replicas_the_helper_understands(helm3: str, chart: Path) -> None:
    envs = container_env(helm3)
    assert {"web", "worker"} <= set(envs)
    for name in ("web", "worker"):
        env = envs[name]
        databases = db.databases_from_env(env)
        options = db.replica_options_from_env(env)
        assert list(databases) == ["default", "replica_1", "replica_2"]
        assert databases["replica_1"]["HOST"] == "replica1-url.db"
        assert databases["replica_2"]["HOST"] == "replica2-url.db"
        assert options["names"] == {"replica_1": "replica1", "replica_2": "replica2"}
        assert options["weights"] == {"replica_1": 1, "replica_2": 3}


def test_changed_weights_reach_the_helper(helm3: str, chart: Path) -> None:
    env = container_env(helm3, "database.replicas.replica1.weight=5")["web"]
    assert db.replica_options_from_env(env)["weights"] == {"replica_1": 5, "replica_2": 3}


def test_weight_zero_keeps_a_replica_out_of_rotation(helm3: str, chart: Path) -> None:
    env = container_env(helm3, "database.replicas.replica2.weight=0")["web"]
    assert db.replica_options_from_env(env)["weights"] == {"replica_1": 1, "replica_2": 0}


def test_a_replica_that_never_answers_cannot_fail_the_readiness_probe(helm3: str, chart: Path) -> None:
    """An unreachable replica (packets dropped) costs one request at most connect_timeout before the read
    falls back to the primary: the probe's timeout must leave room for that and the primary's query."""
    rendered = subprocess.run([helm3, "template", "rel", str(CHART)], check=True, capture_output=True,
                              text=True).stdout
    web = next(d for d in yaml.safe_load_all(rendered)
               if d and d.get("kind") == "Deployment" and d["metadata"]["name"].endswith("-web"))
    container = next(c for c in web["spec"]["template"]["spec"]["containers"] if c["name"] == "web")
    probe = container["readinessProbe"]
    replica = db.databases_from_env(container_env(helm3)["web"])["replica_1"]
    assert replica["OPTIONS"]["connect_timeout"] + 1 <= probe["timeoutSeconds"], (replica["OPTIONS"], probe)
    assert probe["failureThreshold"] >= 2  # one slow answer per cool-off never makes a pod unready
