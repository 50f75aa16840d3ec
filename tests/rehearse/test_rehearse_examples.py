"""`djhelm rehearse` on the examples, with two releases committed into a real git repository: real gunicorn
and uvicorn pods of both releases, a throwaway PostgreSQL, the charts' own migration Jobs, load all along.

Each run plays the whole rollout at --duration-scale 0.2 (preStop 10 s -> 2 s, ...), about 20-30 s."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.rehearse.releases import Repo, events_expand_contract, shop_expand_contract, shop_raw_sql

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.helm]

DJHELM = str(Path(sys.executable).parent / "djhelm")
PLAYED = ("steady-from", "pre", "rollout", "post", "steady-to")


def rehearse(repo: Repo, helm3: str, tmp_path: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    done = subprocess.run(
        [
            DJHELM,
            "rehearse",
            str(repo.project),
            "--from",
            "v1",
            "--to",
            "v2",
            "--duration-scale",
            "0.2",
            "--rows",
            "30",
            "--helm-binary",
            helm3,
            "--format",
            "json",
            *extra,
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
        cwd=tmp_path,
    )
    assert done.returncode in (0, 1), done.stderr + done.stdout
    return done.returncode, json.loads(done.stdout)


def failures(report: dict[str, Any], kind: str, phases: tuple[str, ...] = PLAYED) -> int:
    return sum(row["failed"] for row in report["load"] if row["kind"] == kind and row["phase"] in phases)


def errors(report: dict[str, Any]) -> str:
    return "\n".join(e["error"] for row in report["load"] for e in row["errors"])


def served(report: dict[str, Any], release: str, kind: str) -> int:
    return sum(
        row["total"]
        for row in report["load"]
        if row["release"] == release and row["kind"] == kind and row["phase"] in PLAYED
    )


FIXTURE = [
    {"model": "catalog.category", "pk": 1, "fields": {"name": "Fixtures", "slug": "fixtures"}},
    {"model": "catalog.product", "pk": 1, "fields": {
        "category": 1, "name": "From the fixture", "slug": "fixture-product", "price": "9.50",
        "created_at": "2026-01-01T00:00:00Z", "description": "loaded with --data", "in_stock": True}},
]


def test_shop_expand_contract_with_phases_fails_nothing(helm3: str, tmp_path: Path) -> None:
    """Nullable and db_default columns and a concurrent index before the rollout, the dropped field and the
    deleted model after it: neither release sees a schema it cannot use. The user's own data (--data) and
    URLs (--load-paths) are part of the play."""
    fixture = tmp_path / "products.json"
    fixture.write_text(json.dumps(FIXTURE))
    paths = tmp_path / "paths.txt"
    paths.write_text("# the list and a product the fixture brings\n/\n/products/fixture-product/\n")
    code, report = rehearse(shop_expand_contract(tmp_path, phases=True), helm3, tmp_path,
                            "--data", str(fixture), "--load-paths", str(paths))
    assert set(report["paths"]) == {"/", "/products/fixture-product/"}
    assert set(report["paths"]["/products/fixture-product/"]) == {"200"}, report["paths"]
    assert code == 0, report["verdict"]
    assert failures(report, "http") == 0 and failures(report, "orm") == 0
    # the load really ran against both releases, reading and writing every model
    assert served(report, "from", "http") > 20 and served(report, "to", "http") > 20
    assert served(report, "from", "orm") > 20 and served(report, "to", "orm") > 20
    applied = [m["name"] for run in report["migrations"] for m in run["migrations"]]
    assert applied == ["catalog.0005_expand", "catalog.0006_index", "catalog.0007_contract"]
    phases = {run["phase"]: run["command"] for run in report["migrations"]}
    assert phases == {"pre": "manage.py migrate_phase pre", "post": "manage.py migrate_phase post"}
    # the old code still fits the expanded schema; after the contract it does not
    assert report["rollback"] == {"after pre": True, "after post": False}


def test_shop_plain_migrate_before_the_rollout_breaks_the_old_pods(helm3: str, tmp_path: Path) -> None:
    """The same release with phases off: `migrate` applies the contract before the rollout, under v1."""
    code, report = rehearse(shop_expand_contract(tmp_path, phases=False), helm3, tmp_path)
    assert code == 1
    assert (
        failures(report, "http", ("pre", "rollout")) > 0 and failures(report, "orm", ("pre", "rollout")) > 0
    )
    text = errors(report)
    assert "column catalog_product.description does not exist" in text
    assert 'relation "catalog_banner" does not exist' in text
    assert report["verdict"].startswith("FAIL:")
    # only the old release failed: the new one fits the schema it brought
    assert all(
        row["failed"] == 0 for row in report["load"] if row["release"] == "to" and row["phase"] in PLAYED
    )


@pytest.mark.parametrize(
    ("strategy", "phases", "expect_failures"),
    [
        ("job", True, False),  # the example as it is: a plain pre Job beside the rollout, the post hook after
        ("hook", False, True),  # plain migrate before the rollout
    ],
)
def test_events_expand_contract(
    helm3: str, tmp_path: Path, strategy: str, phases: bool, expect_failures: bool
) -> None:
    code, report = rehearse(events_expand_contract(tmp_path, strategy, phases), helm3, tmp_path)
    failed = failures(report, "http") + failures(report, "orm")
    assert (code == 1) == expect_failures and (failed > 0) == expect_failures, report["verdict"]
    if expect_failures:
        assert 'relation "agenda_sponsor" does not exist' in errors(report)
    else:
        assert served(report, "to", "orm") > 20


def test_a_raw_sql_read_of_a_column_dropped_before_the_rollout_is_caught_with_its_statement(
    helm3: str, tmp_path: Path
) -> None:
    """No checker sees `SELECT legacy_code` in a view; the author declared the drop `pre`. Only playing the
    release shows v1 failing while the pre phase has run, with the statement from the database's log."""
    code, report = rehearse(shop_raw_sql(tmp_path), helm3, tmp_path)
    assert code == 1
    pre = [
        row
        for row in report["load"]
        if row["phase"] in ("pre", "rollout")
        and row["kind"] == "http"
        and row["release"] == "from"
        and row["failed"]
    ]
    assert pre, report["load"]
    statements = [s for s in report["failedStatements"] if s["release"] == "from"]
    assert any(
        'column "legacy_code" does not exist' in s["error"]
        and "SELECT legacy_code FROM catalog_product" in s["statement"]
        for s in statements
    ), statements


@pytest.mark.parametrize("registry", ["on", "off"])
def test_the_post_phase_waits_for_the_old_code_only_with_the_registry(
    helm3: str, tmp_path: Path, registry: str
) -> None:
    """Helm 3 starts the post hook once the new pods are ready, while the last old pod is still in preStop
    and draining (rollout-timing.md). With the process registry post waits for it; without, the contract
    lands under the old code."""
    secrets = tmp_path / "secrets.env"
    secrets.write_text(f"DJHELM_PROCESS_REGISTRY={registry}\n")
    code, report = rehearse(
        shop_expand_contract(tmp_path, phases=True), helm3, tmp_path, "--secrets", str(secrets)
    )
    old_failures = sum(
        row["failed"] for row in report["load"] if row["release"] in ("from", "") and row["phase"] == "post"
    )
    if registry == "on":
        assert code == 0 and old_failures == 0, report["verdict"]
    else:
        assert code == 1 and old_failures > 0, report["verdict"]
        assert "does not exist" in errors(report)


def test_a_long_transaction_makes_the_alter_wait_and_the_wait_is_bounded_by_lock_timeout(
    helm3: str, tmp_path: Path
) -> None:
    code, report = rehearse(
        shop_expand_contract(tmp_path, phases=True),
        helm3,
        tmp_path,
        "--long-transaction",
        "catalog_product:8",
    )
    waits = report["lockWaits"]
    alters = [
        w for w in waits if w["statement"].startswith("ALTER TABLE") and w["mode"] == "AccessExclusiveLock"
    ]
    assert alters and all("long-transaction" in w["blockedBy"] for w in alters), waits
    # shop's lockTimeout is 5s: nothing waits (much) longer, however long the transaction stays open
    assert max(w["seconds"] for w in waits) <= 5 + 0.5, waits
    # migrate_phase retried after each lock timeout and got through once the transaction ended
    pre = next(run for run in report["migrations"] if run["phase"] == "pre")
    assert pre["ok"] and pre["retries"] >= 1
    assert any(
        "AccessExclusiveLock" in mode
        for modes in report["lockModesTakenByMigrations"].values()
        for mode in modes
    )
    assert code in (0, 1)
