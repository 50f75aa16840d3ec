"""The `helm --timeout` the chart recommends (README, NOTES) always exceeds the migration Job's deadline.

A deadline at or above the timeout makes Helm give up with a bare "timed out" while the Job is still running,
which is exactly what activeDeadlineSeconds below the timeout is meant to prevent.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.chart.support import example_config, helm_template, manifests, render

pytestmark = pytest.mark.helm

# NOTES.txt is not rendered by `helm template`; this ConfigMap renders a copy of it with the same values.
NOTES_PROBE = """apiVersion: v1
kind: ConfigMap
metadata:
  name: notes-probe
data:
  notes: {{ tpl (.Files.Get "notes-probe.txt") . | toJson }}
"""


def _config(tmp_path: Path, deadline: int) -> Path:
    text = example_config("shop").read_text(encoding="utf-8")
    config = tmp_path / "djhelm.yaml"
    config.write_text(text.replace("activeDeadlineSeconds: 540", f"activeDeadlineSeconds: {deadline}"))
    return config


def _minutes(text: str) -> list[int]:
    return [int(m) for m in re.findall(r"--timeout (\d+)m", text)]


@pytest.mark.parametrize(("deadline", "minutes"), [(540, 10), (600, 11), (900, 16), (3600, 61)])
def test_recommended_timeout_covers_the_migration_deadline(
    helm3: str, tmp_path: Path, deadline: int, minutes: int
) -> None:
    chart = render(_config(tmp_path, deadline), tmp_path / "chart")
    readme = (chart / "README.md").read_text(encoding="utf-8")
    assert set(_minutes(readme)) == {minutes}, readme

    shutil.copy(chart / "templates" / "NOTES.txt", chart / "notes-probe.txt")
    (chart / "templates" / "notes-probe.yaml").write_text(NOTES_PROBE)
    rendered = helm_template(helm3, chart, "--show-only", "templates/notes-probe.yaml")
    (probe,) = manifests(rendered)
    assert _minutes(probe["data"]["notes"]) == [minutes], probe["data"]["notes"]
    assert minutes * 60 > deadline

