"""Fixtures of the monitoring tests: Prometheus's own binaries (Debian's `prometheus` package)."""

from __future__ import annotations

import shutil

import pytest


def _binary(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise pytest.UsageError(
            f"{name} not found: run scripts/setup.sh (installs Debian's prometheus package)"
        )
    return found


@pytest.fixture(scope="session")
def promtool() -> str:
    return _binary("promtool")


@pytest.fixture(scope="session")
def prometheus() -> str:
    return _binary("prometheus")
