"""The optional NetworkPolicy: it selects every pod of the release, admits the ingress controller's
namespace on the web port only, and, when egress is restricted, still lets pods resolve names and reach
the database they are told about."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.chart.support import by_kind, helm_template, manifests, run_cli

pytestmark = pytest.mark.helm

BASE = textwrap.dedent(
    """\
    name: shop
    image: {repository: ghcr.io/acme/shop, tag: "1.0"}
    django: {settingsModule: shop.settings}
    web: {application: shop.wsgi:application}
    database:
      url: {secretName: shop-db, key: url}
    migrations: {phases: true}
    processes:
      worker: {kind: celery-worker, app: shop.celery:app}
    ingress: {enabled: true, className: nginx, host: shop.example.com}
    """
)
POLICY = textwrap.dedent(
    """\
    networkPolicy:
      enabled: true
      ingressNamespaces: [ingress-nginx, gateways]
      restrictEgress: true
      egressTo:
        database: {cidr: 10.0.12.0/24, ports: [5432, 6379]}
        api: {cidr: "2001:db8::/32"}
    """
)


def _render(tmp_path: Path, text: str) -> tuple[Any, Path]:
    config = tmp_path / "djhelm.yaml"
    config.write_text(text)
    chart = tmp_path / "chart"
    return run_cli("render", str(config), "--output", str(chart)), chart


def _pod_labels(docs: list[dict[str, Any]]) -> list[dict[str, str]]:
    labels = []
    for doc in docs:
        if doc["kind"] in ("Deployment", "Job"):
            labels.append(doc["spec"]["template"]["metadata"]["labels"])
        elif doc["kind"] == "Pod":
            labels.append(doc["metadata"]["labels"])
    return labels


def test_off_by_default(helm3: str, tmp_path: Path) -> None:
    result, chart = _render(tmp_path, BASE)
    assert result.exit_code == 0, result.stderr
    assert by_kind(manifests(helm_template(helm3, chart)), "NetworkPolicy") == []


def test_the_policy_selects_every_pod_and_admits_only_what_it_lists(helm: str, tmp_path: Path) -> None:
    result, chart = _render(tmp_path, BASE + POLICY)
    assert result.exit_code == 0, result.stderr
    docs = manifests(helm_template(helm, chart))
    [policy] = by_kind(docs, "NetworkPolicy")
    selector = policy["spec"]["podSelector"]["matchLabels"]
    pods = _pod_labels(docs)
    assert len(pods) >= 5  # web, worker, two migration Jobs, the test pod
    assert all(selector.items() <= labels.items() for labels in pods), (selector, pods)
    assert policy["spec"]["policyTypes"] == ["Ingress", "Egress"]
    own, controllers = policy["spec"]["ingress"]
    assert own == {"from": [{"podSelector": {"matchLabels": selector}}]}
    assert [peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
            for peer in controllers["from"]] == ["ingress-nginx", "gateways"]
    assert controllers["ports"] == [{"port": "http", "protocol": "TCP"}]
    dns, release, ipv6, database = policy["spec"]["egress"]  # named destinations in name order
    assert {p["port"] for p in dns["ports"]} == {53}
    assert {p["protocol"] for p in dns["ports"]} == {"UDP", "TCP"}
    assert release["to"] == [{"podSelector": {"matchLabels": selector}}]
    assert database == {"to": [{"ipBlock": {"cidr": "10.0.12.0/24"}}],
                        "ports": [{"port": 5432, "protocol": "TCP"}, {"port": 6379, "protocol": "TCP"}]}
    assert ipv6 == {"to": [{"ipBlock": {"cidr": "2001:db8::/32"}}]}


def test_egress_stays_open_unless_restricted(helm3: str, tmp_path: Path) -> None:
    text = BASE + "networkPolicy: {enabled: true, ingressNamespaces: [ingress-nginx]}\n"
    result, chart = _render(tmp_path, text)
    assert result.exit_code == 0, result.stderr
    [policy] = by_kind(manifests(helm_template(helm3, chart)), "NetworkPolicy")
    assert policy["spec"]["policyTypes"] == ["Ingress"] and "egress" not in policy["spec"]


@pytest.mark.parametrize("version", ["1.29", "1.37"])
def test_the_policy_validates(tmp_path: Path, version: str) -> None:
    result, chart = _render(tmp_path, BASE + POLICY)
    assert result.exit_code == 0, result.stderr
    validated = run_cli("validate", str(chart), "--kube-version", version)
    assert validated.exit_code == 0, validated.stdout + validated.stderr


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ("networkPolicy: {enabled: true}\n", "no namespace may reach the web pods"),
        ("networkPolicy: {enabled: true, ingressNamespaces: [x], restrictEgress: true}\n",
         "could not reach the database"),
        ("networkPolicy: {enabled: true, ingressNamespaces: [x], egressTo: {db: {cidr: 10.0.0.0/8}}}\n",
         "egressTo has no effect"),
        ("networkPolicy: {enabled: true, ingressNamespaces: [x], restrictEgress: true, "
         "egressTo: {db: {cidr: 10.0.0.1/8}}}\n", "networkPolicy.egressTo.db.cidr: not a CIDR block"),
        ("networkPolicy: {enabled: true, ingressNamespaces: [x], restrictEgress: true, "
         "egressTo: {db: {cidr: 300.0.0.0/8}}}\n", "not a CIDR block"),
    ],
)
def test_a_policy_that_would_cut_the_site_off_is_refused(tmp_path: Path, policy: str, expected: str) -> None:
    result, chart = _render(tmp_path, BASE + policy)
    assert result.exit_code == 2, result.output
    assert expected in result.stderr and "fix:" in result.stderr, result.stderr
    assert not chart.exists()
