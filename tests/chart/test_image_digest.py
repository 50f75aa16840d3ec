"""`image.digest` pins every container to the bytes that were tested, and `pullPolicy` follows the pin."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.chart.support import helm_template, manifests, run_cli

pytestmark = pytest.mark.helm

DIGEST = "sha256:" + "0123456789abcdef" * 4
BASE = textwrap.dedent(
    """\
    name: shop
    image:
      repository: ghcr.io/acme/shop
      tag: "TAG"
    django:
      settingsModule: shop.settings
    web:
      application: shop.wsgi:application
    database:
      url: {secretName: shop-db, key: url}
    migrations:
      phases: true
    processes:
      worker: {kind: celery-worker, app: shop.celery:app}
    """
)


def _render(tmp_path: Path, tag: str = "1.0", extra: str = "") -> Path:
    config = tmp_path / "djhelm.yaml"
    text = BASE.replace("TAG", tag)
    if extra:
        text = text.replace("  tag:", f"  {extra}\n  tag:")
    config.write_text(text)
    chart = tmp_path / "chart"
    result = run_cli("render", str(config), "--output", str(chart))
    assert result.exit_code == 0, result.stderr
    return chart


def _containers(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for doc in docs:
        spec = doc.get("spec", {})
        pod = spec.get("template", {}).get("spec") if "template" in spec else spec
        if doc["kind"] in ("Deployment", "Job", "Pod") and pod:
            found += pod.get("initContainers", []) + pod.get("containers", [])
    return found


def test_every_container_runs_the_pinned_digest(helm: str, tmp_path: Path) -> None:
    chart = _render(tmp_path, extra=f"digest: {DIGEST}")
    containers = _containers(manifests(helm_template(helm, chart)))
    assert len(containers) >= 5  # web, worker, wait-for-migrations, both migration Jobs, the test pod
    assert {c["image"] for c in containers} == {f"ghcr.io/acme/shop:1.0@{DIGEST}"}
    assert {c["imagePullPolicy"] for c in containers} == {"IfNotPresent"}


def test_without_a_digest_the_tag_alone_names_the_image(helm: str, tmp_path: Path) -> None:
    containers = _containers(manifests(helm_template(helm, _render(tmp_path))))
    assert {c["image"] for c in containers} == {"ghcr.io/acme/shop:1.0"}


@pytest.mark.parametrize(
    ("tag", "extra", "policy"),
    [
        ("latest", "", "Always"),  # a moving tag: Kubernetes' own default, made explicit
        ("latest", f"digest: {DIGEST}", "IfNotPresent"),  # pinned bytes never change under the name
        ("1.0", "", "IfNotPresent"),
        ("1.0", "pullPolicy: Always", "Always"),  # what the user writes wins
    ],
)
def test_pull_policy_follows_the_pin(helm3: str, tmp_path: Path, tag: str, extra: str, policy: str) -> None:
    containers = _containers(manifests(helm_template(helm3, _render(tmp_path, tag, extra))))
    assert {c["imagePullPolicy"] for c in containers} == {policy}


@pytest.mark.parametrize("digest", ["sha256:abc", "md5:" + "0" * 32, "sha256:" + "G" * 64])
def test_a_malformed_digest_is_refused(tmp_path: Path, digest: str) -> None:
    config = tmp_path / "djhelm.yaml"
    config.write_text(BASE.replace("TAG", "1.0").replace("  tag:", f"  digest: '{digest}'\n  tag:"))
    result = run_cli("render", str(config), "--output", str(tmp_path / "chart"))
    assert result.exit_code == 2 and "image.digest" in result.stderr, result.stderr


@pytest.mark.parametrize("version", ["1.29", "1.37"])
def test_a_pinned_chart_validates(tmp_path: Path, version: str) -> None:
    chart = _render(tmp_path, extra=f"digest: {DIGEST}")
    result = run_cli("validate", str(chart), "--kube-version", version)
    assert result.exit_code == 0, result.stdout + result.stderr
