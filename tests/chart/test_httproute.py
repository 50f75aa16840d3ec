"""The HTTPRoute lists hostnames only when there are some: `hostnames: null` is not what a user meant."""

from __future__ import annotations

import pytest

from tests.chart.support import committed_chart, helm_template, manifests, named


@pytest.mark.helm
def test_route_without_hostnames_omits_the_field(helm3: str) -> None:
    docs = manifests(
        helm_template(
            helm3,
            committed_chart("shop"),
            "--set",
            "httpRoute.enabled=true",
            "--set",
            "httpRoute.gatewayName=main",
        )
    )
    route = named(docs, "HTTPRoute", "shop")
    assert "hostnames" not in route["spec"]
    assert route["spec"]["parentRefs"] == [{"name": "main"}]


@pytest.mark.helm
def test_route_lists_the_configured_hostnames(helm3: str) -> None:
    route = named(manifests(helm_template(helm3, committed_chart("events"))), "HTTPRoute", "events")
    assert route["spec"]["hostnames"] == ["events.example.com"]
