"""The release ledger and the rollback check, on a real PostgreSQL with two releases' code: an older
release may run on a schema that only grew (expand migrations it does not know) but not on one a contract
it does not know has shrunk. Helm runs the *target* release's pre-rollback hooks (pkg/action/rollback.go),
so the older code itself makes this call."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from tests.runtime.harness import Release, query

pytestmark = pytest.mark.postgres
CONTRACT = ["shop.0005_remove_product_legacy_code", "shop.0006_delete_note"]


def _install_v1(v1: Release) -> None:
    v1.manage("migrate_phase", "pre", check=True)
    v1.manage("migrate_phase", "post", check=True)


def test_rolling_back_after_pre_passes_after_post_is_refused(release: Callable[[int], Release]) -> None:
    v1, v2 = release(1), release(2)
    _install_v1(v1)
    v2.manage("migrate_phase", "pre", check=True)
    after_pre = v1.manage("migrate_phase", "rollback-check")
    assert after_pre.returncode == 0, after_pre.stdout + after_pre.stderr
    assert "every newer migration is an expand one" in after_pre.stdout
    v1.manage("migrate_phase", "wait", "--timeout", "2", check=True)  # v1 pods would start and serve

    v2.manage("migrate_phase", "post", check=True)
    count_tables = "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
    tables_before = query(v1.database_url, count_tables)
    refused = v1.manage("migrate_phase", "rollback-check")
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert all(name in refused.stderr for name in CONTRACT) and "Roll forward" in refused.stderr
    assert query(v1.database_url, count_tables) == tables_before
    # without a rollback hook (Argo CD), the init container's wait refuses at once instead of serving 500s
    waited = v1.manage("migrate_phase", "wait", "--timeout", "30")
    assert waited.returncode == 2 and "contract migrations it does not know" in waited.stderr


def test_the_ledger_records_each_migration_with_its_phase(release: Callable[[int], Release]) -> None:
    v1, v2 = release(1), release(2)
    _install_v1(v1)
    v2.manage("migrate_phase", "pre", check=True)
    v2.manage("migrate_phase", "post", check=True)
    rows = json.loads(v2.manage("migrate_phase", "history", "--format", "json", check=True).stdout)
    by_name = {f"{r['app']}.{r['name']}": r for r in rows}
    assert by_name["shop.0001_initial"]["run_phase"] == "first-install"
    assert by_name["shop.0002_product_sku"]["run_phase"] == "pre"
    assert {by_name[name]["judged"] for name in CONTRACT} == {"post"}
    assert {by_name[name]["run_phase"] for name in CONTRACT} == {"post"}
    assert all(r["outcome"] == "applied" and r["duration_ms"] >= 0 for r in rows)
    assert len({by_name[name]["run"] for name in CONTRACT}) == 1  # one post run
    text = v2.manage("migrate_phase", "history", check=True).stdout
    assert "shop.0006_delete_note [post] applied" in text


def test_migrations_applied_by_plain_migrate_have_an_unknown_phase(release: Callable[[int], Release]) -> None:
    v1, v2 = release(1), release(2)
    _install_v1(v1)
    v2.manage("migrate", check=True)  # no ledger rows for these
    checked = v1.manage("migrate_phase", "rollback-check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "phase unknown" in checked.stdout and "shop.0006_delete_note" in checked.stdout
