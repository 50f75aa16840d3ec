"""A real Prometheus scrapes the examples as the chart runs them, and every djhelm_* and django_* series
that an alert or a dashboard panel reads must be there, with the labels the expression matches on.

The kubelet's part is played as in tests/examples (tests/examples/chart_pods.py): `helm template` of the
committed chart, each container's own command and env, emptyDir volumes as folders shared by the pod's
containers. prometheus-operator's part is played from the rendered PodMonitor: its relabelings become the
scrape job's relabel_configs, and the target labels the operator adds to every pod target (namespace, pod,
container; prometheus-operator docs, "PodMonitor" design) are static labels here. The rendered alert rules
are loaded too, and each must evaluate without error against the real series.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from djhelm.chart.dashboard import expressions as dashboard_expressions
from tests.examples.chart_pods import Pod, argv_of, run_migration_jobs, secret_values, start_container
from tests.examples.harness import Server, free_port, get, wait_listening
from tests.monitoring.promql import Selector, selectors
from tests.monitoring.rendered import alerts, of_kind, render, rule_groups

pytestmark = [pytest.mark.postgres, pytest.mark.helm, pytest.mark.slow]

SCRAPED_PREFIXES = ("djhelm_", "django_")
# (variant of tests/monitoring/rendered.py, example folder): shop under gunicorn, events under uvicorn
TARGETS = (("shop-all-alerts", "shop"), ("events", "events"))


def _api(port: int, path: str, **params: str) -> Any:
    query = urllib.parse.urlencode(params)
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/{path}?{query}", timeout=10) as reply:
        body = json.load(reply)
    assert body["status"] == "success", body
    return body["data"]


def _eventually(check: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached in {timeout:g}s: {what}")
        time.sleep(0.5)


@contextmanager
def _pod(variant: str, example: str, docs: list[dict[str, Any]], database_url: str,
         tmp_path: Path) -> Iterator[int]:
    """Migrate as the chart's pre Jobs do, then run the web pod (web and metrics containers); yields the
    metrics port once the web server answers."""
    queue = tmp_path / f"{example}-queue"
    queue.mkdir()
    pod = Pod(docs, secret_values(docs, database_url), {"CELERY_FILESYSTEM_DIR": str(queue)})
    assert run_migration_jobs(example, docs, pod, "pre")
    web = next(d for d in of_kind(docs, "Deployment") if d["metadata"]["name"].endswith("-web"))
    containers = {c["name"]: c for c in web["spec"]["template"]["spec"]["containers"]}
    volumes = tmp_path / f"{example}-pod"
    web_port, metrics_port = free_port(), free_port()
    with ExitStack() as stack:
        process = stack.enter_context(start_container(
            example, argv_of(containers["web"], port=web_port), pod.env(containers["web"], volumes),
            tmp_path / f"{example}-web.log"))
        wait_listening(Server(process, web_port, tmp_path / f"{example}-web.log"))
        metrics = containers["metrics"]
        stack.enter_context(start_container(example, argv_of(metrics, port=metrics_port),
                                            pod.env(metrics, volumes), tmp_path / f"{example}-metrics.log"))
        host = pod.env(containers["web"])["DJANGO_ALLOWED_HOSTS"].split(",")[0]
        for path in ("/", "/", "/", "/no-such-page/"):
            get(web_port, path, host=host)
        yield metrics_port


def _scrape_job(variant: str, docs: list[dict[str, Any]], port: int) -> dict[str, Any]:
    namespace = "shop" if variant == "shop-all-alerts" else "events-prod"
    monitor = of_kind(docs, "PodMonitor")[0]
    endpoint = monitor["spec"]["podMetricsEndpoints"][0]
    relabel = [{{"sourceLabels": "source_labels", "targetLabel": "target_label"}.get(k, k): v
                for k, v in item.items()} for item in endpoint.get("relabelings", [])]
    return {
        "job_name": variant,
        "metrics_path": endpoint["path"],
        "scrape_interval": "1s",
        "static_configs": [{
            "targets": [f"127.0.0.1:{port}"],
            "labels": {"namespace": namespace, "pod": f"{variant}-web-0", "container": "metrics"},
        }],
        "relabel_configs": relabel,
    }


def test_prometheus_finds_every_series_the_rules_and_dashboard_read(
    helm3: str, prometheus: str, postgres_server: Any, tmp_path: Path
) -> None:
    rendered = {variant: render(helm3, variant, tmp_path) for variant, _ in TARGETS}
    scope = {}
    with ExitStack() as stack:
        jobs = []
        for variant, example in TARGETS:
            database = postgres_server.create_database(f"scrape_{example}_{int(time.time() * 1000) % 10**8}")
            port = stack.enter_context(_pod(variant, example, rendered[variant], database, tmp_path))
            jobs.append(_scrape_job(variant, rendered[variant], port))
            labels = jobs[-1]["static_configs"][0]["labels"]
            scope[variant] = (labels["namespace"], jobs[-1]["relabel_configs"][0]["replacement"])
        rules = tmp_path / "rules.yaml"
        groups = [group for docs in rendered.values() for group in rule_groups(docs)]
        rules.write_text(yaml.safe_dump({"groups": groups}))
        config = tmp_path / "prometheus.yml"
        config.write_text(yaml.safe_dump({
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(rules)],
            "scrape_configs": jobs,
        }))
        port = free_port()
        log = (tmp_path / "prometheus.log").open("w")
        server = subprocess.Popen(
            [prometheus, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
             f"--web.listen-address=127.0.0.1:{port}"], stdout=log, stderr=subprocess.STDOUT)
        stack.callback(lambda: (server.send_signal(signal.SIGTERM), server.wait(30), log.close()))

        def scraped() -> set[str]:
            """Every target scraped successfully at least once (then all its names are in)."""
            try:
                up = _api(port, "query", query="up")["result"]
            except OSError:
                return set()
            if sorted(item["metric"]["job"] for item in up if item["value"][1] == "1") != sorted(jobs_names):
                return set()
            return set(_api(port, "label/__name__/values"))

        jobs_names = [job["job_name"] for job in jobs]
        names = _eventually(scraped, 90, f"every target up ({tmp_path / 'prometheus.log'})")

        def problem(selector: Selector) -> str:
            """Why ``selector`` finds no series in the scrape ("" when it finds some, with its labels)."""
            if selector.metric not in names:
                return f"{selector.metric} is not in the scrape"
            scoped = [m for m in selector.matchers if m[0] in ("namespace", "djhelm_release")]
            match = Selector(selector.metric, tuple(scoped)).text()
            series = _api(port, "series", **{"match[]": match})
            if not series:
                return f"nothing matches {match}"
            labels = set().union(*(item.keys() for item in series))
            missing = [label for label, _, _ in selector.matchers if label not in labels]
            return f"{selector.metric} has no label {missing}" if missing else ""

        checked = 0
        # each rule against the series of its own release
        for variant, docs in rendered.items():
            for name, rule in alerts(docs).items():
                for selector in selectors(str(rule["expr"])):
                    if selector.metric.startswith(SCRAPED_PREFIXES):
                        assert not problem(selector), f"{variant} {name}: {problem(selector)}"
                        checked += 1
        # each dashboard query against at least one release (replica panels need a project with replicas)
        for expr in dashboard_expressions():
            for selector in selectors(expr):
                if not selector.metric.startswith(SCRAPED_PREFIXES):
                    continue
                problems = []
                for namespace, release in scope.values():
                    text = selector.text().replace("$namespace", namespace).replace("$release", release)
                    problems.append(problem(selectors(text)[0]))
                assert "" in problems, f"dashboard: {problems}"
                checked += 1
        assert checked >= 25

        def evaluated() -> list[dict[str, Any]]:
            found = [rule for group in _api(port, "rules")["groups"] for rule in group["rules"]]
            # before its first evaluation a rule reports Go's zero time
            done = all(not rule["lastEvaluation"].startswith("0001") for rule in found)
            return found if found and done else []

        for rule in _eventually(evaluated, 30, "every rule evaluated"):
            assert rule["health"] == "ok", rule
        up_value = _api(port, "query", query="min(djhelm_database_up)")["result"][0]["value"][1]
        assert up_value == "1"
