"""Named templates carry the chart's name, so djhelm charts can sit side by side under one umbrella chart."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.chart.support import committed_chart, manifests


def _defines(chart: Path) -> set[str]:
    text = "".join(path.read_text() for path in (chart / "templates").rglob("*") if path.is_file())
    return set(re.findall(r'define "([^"]+)"', text))


def test_every_helper_is_prefixed_with_the_chart_name() -> None:
    for name in ("shop", "events"):
        defines = _defines(committed_chart(name))
        assert defines, name
        assert all(define.startswith(f"{name}.") for define in defines), defines


@pytest.mark.helm
def test_two_djhelm_charts_render_under_one_umbrella(helm3: str, tmp_path: Path) -> None:
    umbrella = tmp_path / "site"
    (umbrella / "charts").mkdir(parents=True)
    (umbrella / "Chart.yaml").write_text("apiVersion: v2\nname: site\nversion: 0.1.0\n")
    for name in ("shop", "events"):
        subprocess.run(["cp", "-r", str(committed_chart(name)), str(umbrella / "charts" / name)], check=True)
    proc = subprocess.run(
        [helm3, "template", "rel", str(umbrella), "--kube-version", "1.37"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    deployments = {doc["metadata"]["name"] for doc in manifests(proc.stdout) if doc["kind"] == "Deployment"}
    assert {"rel-shop-web", "rel-events-web"} <= deployments, deployments
