"""The chart's alert rules, checked by Prometheus's own promtool: they load, and each alert fires on the
series that should fire it and stays quiet otherwise (alerts_test.yaml). Rendered by Helm 3 and Helm 4."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from djhelm.chart.dashboard import expressions as dashboard_expressions
from tests.monitoring.promql import Selector, selectors
from tests.monitoring.rendered import HERE, REPO_ROOT, VARIANTS, alerts, render, write_rules

pytestmark = pytest.mark.helm

PINNED = yaml.safe_load((HERE / "exporter_metrics.yaml").read_text())
# Names these tests prove against a real scrape (test_prometheus_scrape.py) rather than a pinned list.
SCRAPED_PREFIXES = ("djhelm_", "django_")


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_rules_load_in_promtool(helm: str, promtool: str, variant: str, tmp_path: Path) -> None:
    rules = write_rules(render(helm, variant, tmp_path), tmp_path / "rules.yaml")
    result = subprocess.run([promtool, "check", "rules", str(rules)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_behaves_as_its_unit_tests_say(helm3: str, promtool: str, tmp_path: Path) -> None:
    docs = render(helm3, "shop-all-alerts", tmp_path)
    write_rules(docs, tmp_path / "rules.yaml")
    shutil.copy(HERE / "alerts_test.yaml", tmp_path / "alerts_test.yaml")
    result = subprocess.run([promtool, "test", "rules", str(tmp_path / "alerts_test.yaml")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_a_unit_test_that_fires_it(helm3: str, tmp_path: Path) -> None:
    rendered = set(alerts(render(helm3, "shop-all-alerts", tmp_path)))
    tests = yaml.safe_load((HERE / "alerts_test.yaml").read_text())["tests"]
    fired = {case["alertname"] for test in tests for case in test.get("alert_rule_test", [])
             if case.get("exp_alerts")}
    tested = {case["alertname"] for test in tests for case in test.get("alert_rule_test", [])}
    assert rendered == fired, f"untested: {sorted(rendered - fired)}; unknown: {sorted(fired - rendered)}"
    assert tested <= rendered, sorted(tested - rendered)
    assert len(rendered) == 10


def test_optional_alerts_follow_the_values(helm3: str, tmp_path: Path) -> None:
    shop = set(alerts(render(helm3, "shop", tmp_path)))
    every = set(alerts(render(helm3, "shop-all-alerts", tmp_path)))
    # no phases: no contract phase to wait for; no postgres_exporter: no alert on its metrics
    assert every - shop == {"DjhelmContractPending", "DjhelmMigrationLockWaits", "DjhelmReplicaLag"}
    off = render(helm3, "shop", tmp_path, {"monitoring": {"enabled": False}})
    kinds = {doc["kind"] for doc in off}
    assert not kinds & {"PodMonitor", "PrometheusRule"}
    web = next(d for d in off if d["kind"] == "Deployment")
    assert [c["name"] for c in web["spec"]["template"]["spec"]["containers"]] == ["web"]


def test_thresholds_durations_and_labels_are_values(helm3: str, tmp_path: Path) -> None:
    docs = render(helm3, "shop-all-alerts", tmp_path, {"monitoring": {
        "alertLabels": {"team": "payments", "page": "yes"},
        "alerts": {"errorsAfterDeploy": {"for": "7m", "severity": "page", "ratio": 0.2, "windowSeconds": 900},
                   "replicaLag": {"seconds": 120}},
    }})
    found = alerts(docs)
    errors = found["DjhelmErrorsAfterDeploy"]
    assert errors["for"] == "7m"
    assert errors["labels"] == {"severity": "page", "team": "payments", "page": "yes"}
    assert "> 0.2 and" in errors["expr"] and "< 900)" in errors["expr"]
    assert found["DjhelmReplicaLag"]["expr"].endswith("> 120")
    assert found["DjhelmRolloutStuck"]["labels"]["severity"] == "critical"


def test_a_release_name_with_regex_characters_stays_literal(helm3: str, tmp_path: Path) -> None:
    """Helm allows dots in release names; in a job_name=~ regex a dot would match any character."""
    docs = render(helm3, "shop", tmp_path, release="shop.v2")
    expr = alerts(docs)["DjhelmMigrationJobFailed"]["expr"]
    job_selector = next(s for s in selectors(expr) if s.metric == "kube_job_failed")
    pattern = {label: value for label, _, value in job_selector.matchers}["job_name"]
    assert re.fullmatch(pattern, "shop.v2-migrate")
    assert not re.fullmatch(pattern, "shopXv2-migrate")


def _all_selectors(helm: str, tmp_path: Path) -> list[tuple[str, Selector]]:
    found = []
    for variant in VARIANTS:
        for name, rule in alerts(render(helm, variant, tmp_path)).items():
            found += [(f"{variant}: {name}", s) for s in selectors(str(rule["expr"]))]
    for expr in dashboard_expressions():
        found += [("dashboard", s) for s in selectors(expr)]
    return found


def test_exporter_metric_names_and_labels_are_the_exporters_own(helm3: str, tmp_path: Path) -> None:
    """kube-state-metrics and postgres_exporter cannot run here: their names and labels are checked against
    the lists in exporter_metrics.yaml, taken from each exporter's docs and source (named in the file)."""
    user_labels = {"job", "cluster"}  # the events example's postgresExporter.selector names these
    checked = 0
    for where, selector in _all_selectors(helm3, tmp_path):
        if selector.metric.startswith(SCRAPED_PREFIXES):
            continue
        exporter = "kube-state-metrics" if selector.metric.startswith("kube_") else "postgres_exporter"
        assert selector.metric.startswith(("kube_", "pg_")), f"{where}: {selector.metric} has no source"
        known = PINNED[exporter]["metrics"]
        assert selector.metric in known, f"{where}: {selector.metric} is not a {exporter} metric"
        allowed = set(known[selector.metric]) | set(PINNED["target_labels"])
        if exporter == "postgres_exporter":
            allowed |= user_labels
        for label, _, _ in selector.matchers:
            assert label in allowed, f"{where}: {selector.metric} has no label {label}"
        checked += 1
    assert checked >= 20


def test_every_alert_is_documented(helm3: str, tmp_path: Path) -> None:
    names = set(alerts(render(helm3, "shop-all-alerts", tmp_path)))
    guide = (REPO_ROOT / "docs" / "monitoring.md").read_text()
    readme = (REPO_ROOT / "charts" / "shop" / "README.md").read_text()
    for name in names:
        assert f"`{name}`" in guide, f"docs/monitoring.md does not explain {name}"
        assert f"`{name}`" in readme, f"the chart README has no runbook line for {name}"


@pytest.mark.parametrize(("kind", "path", "bad", "message"), [
    ("PodMonitor", ("spec", "podMetricsEndpoints", 0, "interval"), "30 seconds", "does not match"),
    ("PodMonitor", ("spec", "podMetricsEndpoints", 0, "scrapeEvery"), "30s", "scrapeEvery"),
    ("PrometheusRule", ("spec", "groups", 0, "rules", 0, "expr"), "", "expr"),
    ("PrometheusRule", ("spec", "groups", 0, "rules", 0, "for"), "5 minutes", "does not match"),
])
def test_validate_checks_the_monitoring_objects_offline(helm3: str, tmp_path: Path, kind: str,
                                                       path: tuple[str | int, ...], bad: str,
                                                       message: str) -> None:
    docs = render(helm3, "shop", tmp_path)
    clean = yaml.safe_dump_all(docs)
    target = next(doc for doc in docs if doc["kind"] == kind)
    node = target
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = bad
    for text, valid in ((clean, True), (yaml.safe_dump_all(docs), False)):
        result = subprocess.run([str(Path(sys.executable).parent / "djhelm"), "validate", "-",
                                 "--kube-version", "1.29", "--kube-version", "1.37"],
                                input=text, capture_output=True, text=True)
        assert (result.returncode == 0) is valid, result.stdout + result.stderr
        if not valid:
            assert "K8S001" in result.stdout and message in result.stdout, result.stdout
