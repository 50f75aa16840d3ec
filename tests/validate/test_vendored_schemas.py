"""schemas/kubernetes/ is what scripts/vendor-kube-schemas.py makes, byte for byte, and stays small."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from djhelm.validation import default_versions, supported_versions

REPO = Path(__file__).resolve().parents[2]
VENDORED = REPO / "schemas" / "kubernetes"


def test_versions_1_29_to_1_37_are_supported_and_defaults_are_oldest_promised_and_newest() -> None:
    versions = supported_versions()
    assert {f"1.{minor}" for minor in range(29, 38)} <= set(versions)
    assert default_versions() == ("1.29", versions[-1])


def test_committed_schemas_stay_small() -> None:
    total = sum(p.stat().st_size for p in VENDORED.rglob("*") if p.is_file())
    assert total < 1_000_000


def test_vendoring_script_reproduces_the_committed_files(tmp_path: Path) -> None:
    pytest.importorskip(
        "kubernetes_validate", reason="the script reads the kubernetes-validate wheel (bench extra)"
    )
    subprocess.run(
        [sys.executable, str(REPO / "scripts" / "vendor-kube-schemas.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    made = sorted(p.name for p in tmp_path.iterdir())
    assert made == sorted(p.name for p in VENDORED.iterdir() if p.is_file())
    for name in made:
        assert (tmp_path / name).read_bytes() == (VENDORED / name).read_bytes(), name
