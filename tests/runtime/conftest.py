from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.runtime.harness import Release
from tests.runtime.project import write_release


@pytest.fixture(scope="session")
def code_trees(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    root = tmp_path_factory.mktemp("releases")
    return {version: write_release(root, version) for version in (1, 2, 3, 4, 5, 6)}


@pytest.fixture
def release(code_trees: dict[int, Path], postgres_db: str) -> Callable[[int], Release]:
    """release(2) -> the v2 code tree bound to this test's fresh database."""
    return lambda version: Release(code_trees[version], postgres_db)


@pytest.fixture(scope="session")
def results_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Measured numbers land here (and on stdout); DJHELM_RUNTIME_RESULTS overrides the path."""
    override = os.environ.get("DJHELM_RUNTIME_RESULTS")
    return Path(override) if override else tmp_path_factory.mktemp("results") / "runtime-results.json"
