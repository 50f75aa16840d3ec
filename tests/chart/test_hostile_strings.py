"""Template syntax, quotes, newlines and unicode in every string field of djhelm.yaml.

Each field must either be rejected with a located error, or reach the rendered manifests unchanged:
Helm must never evaluate a user's `{{ ... }}`, and YAML quoting must survive quotes and newlines.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.chart.support import helm_template, manifests, run_cli

pytestmark = pytest.mark.helm

HOSTILE = (
    'x {{ .Values.x }} {{- fail "boom" }} it\'s "quoted" \\ back\nnew line ünïcødé ✓ 🚀 $(SECRET_KEY)'
    # Line breaks YAML folds into spaces inside quoted scalars unless they are escaped; and a tab.
    " ls\u2028ps\u2029tab\t"
)
# Shaped like a URL path (starts with '/', no spaces) so path fields cannot reject it for its shape alone.
HOSTILE_PATH = '/{{.Values.x}}/{{-fail"x"}}/\'q\'/"dq"/ü'

BASE: dict[str, Any] = {
    "name": "shop",
    "description": "d",
    "chartVersion": "0.1.0",
    "image": {
        "repository": "ghcr.io/acme/shop",
        "tag": "1.0",
        "pullPolicy": "IfNotPresent",
        "pullSecrets": ["regcred"],
    },
    "django": {"settingsModule": "shop.settings", "projectDir": ".", "workingDir": "/app"},
    "web": {
        "server": "gunicorn",
        "application": "shop.wsgi:application",
        "readinessPath": "/ready",
        "livenessPath": "/live",
        "startupPath": "/start",
    },
    "ingress": {
        "enabled": True,
        "className": "nginx",
        "host": "shop.example.com",
        "path": "/",
        "tlsSecretName": "tls",
        "annotations": {"example.com/note": "n"},
    },
    "httpRoute": {
        "enabled": True,
        "gatewayName": "main",
        "gatewayNamespace": "gw",
        "sectionName": "https",
        "hostnames": ["shop.example.com"],
        "path": "/",
    },
    "env": {"GREETING": "hello"},
    "secretEnv": {"SECRET_KEY": {"secretName": "shop-django", "key": "secret-key"}},
    "database": {
        "url": {"secretName": "shop-db", "key": "url"},
        "migrationUrl": {"secretName": "shop-db", "key": "direct"},
        "replicas": [{"name": "replica1", "secretName": "shop-db", "key": "replica1"}],
    },
    "migrations": {"strategy": "hook", "lockTimeout": "5s", "statementTimeout": "5min"},
    "processes": {"worker": {"kind": "celery-worker", "app": "shop.celery:app", "queues": ["default"]}},
    "monitoring": {
        "enabled": True,
        "labels": {"release": "kube-prometheus-stack"},
        "alertLabels": {"team": "shop"},
        "alerts": {"errorsAfterDeploy": {"for": "5m", "severity": "critical"}},
        "postgresExporter": {"enabled": True, "selector": 'job="postgres-exporter"'},
        "grafanaDashboard": {"enabled": True, "labels": {"grafana_dashboard": "1"}},
    },
}


def _string_fields(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in _string_fields(item, (*path, key))]
    if isinstance(value, list):
        return [p for index, item in enumerate(value) for p in _string_fields(item, (*path, index))]
    return [path] if isinstance(value, str) else []


FIELDS = _string_fields(BASE)


def _with(path: tuple[Any, ...], value: str) -> dict[str, Any]:
    data = yaml.safe_load(yaml.safe_dump(BASE))
    target = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return data


def _strings_in(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for key, item in value.items() for s in (str(key), *_strings_in(item))]
    if isinstance(value, list):
        return [s for item in value for s in _strings_in(item)]
    return [value] if isinstance(value, str) else []


def test_every_string_field_is_covered() -> None:
    assert len(FIELDS) >= 35
    assert ("env", "GREETING") in FIELDS and ("database", "replicas", 0, "key") in FIELDS


@pytest.mark.parametrize("hostile", [HOSTILE, HOSTILE_PATH], ids=["text", "path"])
@pytest.mark.parametrize("field", FIELDS, ids=lambda p: ".".join(map(str, p)))
def test_hostile_string(helm3: str, tmp_path: Path, field: tuple[Any, ...], hostile: str) -> None:
    config = tmp_path / "djhelm.yaml"
    config.write_text(yaml.safe_dump(_with(field, hostile), allow_unicode=True), encoding="utf-8")
    chart = tmp_path / "chart"
    result = run_cli("render", str(config), "--output", str(chart))
    dotted = ".".join(str(p) for p in field).replace(".0", "[0]")
    if result.exit_code != 0:
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.stderr
        assert f"{config}:" in result.stderr and dotted in result.stderr, result.stderr
        assert "fix:" in result.stderr
        assert not chart.exists()
        return
    # Accepted: Helm must treat it as data and reproduce it byte for byte.
    values = yaml.safe_load((chart / "values.yaml").read_text(encoding="utf-8"))
    assert (
        hostile in _strings_in(values)
        or field[0] in ("description", "chartVersion")
        or field == ("django", "projectDir")
    ), "accepted but dropped from values"
    rendered = helm_template(helm3, chart)
    if field == ("description",):
        shown = subprocess.run(
            [helm3, "show", "chart", str(chart)], capture_output=True, text=True, check=True
        )
        assert yaml.safe_load(shown.stdout)["description"] == hostile
    elif field != ("django", "projectDir"):  # projectDir is read by djhelm only, never rendered
        found = [s for doc in manifests(rendered) for s in _strings_in(doc) if hostile in s]
        assert found, f"{dotted}: the value does not appear literally in the rendered manifests"


MAP_KEYS = [("env",), ("secretEnv",), ("processes",), ("ingress", "annotations")]


@pytest.mark.parametrize("where", MAP_KEYS, ids=lambda p: ".".join(p))
def test_hostile_map_key(helm3: str, tmp_path: Path, where: tuple[str, ...]) -> None:
    """Keys the user names (env variables, process types, annotations) are checked like values."""
    data = yaml.safe_load(yaml.safe_dump(BASE))
    target = data
    for part in where:
        target = target[part]
    (old_key,) = target
    target[HOSTILE] = target.pop(old_key)
    config = tmp_path / "djhelm.yaml"
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = run_cli("render", str(config), "--output", str(tmp_path / "chart"))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.stderr and f"{config}:" in result.stderr and "fix:" in result.stderr
    assert ".".join(where) in result.stderr, result.stderr
    assert not (tmp_path / "chart").exists()


@pytest.mark.parametrize(
    "where", [("env", "GREETING"), ("description",), ("ingress", "annotations", "example.com/note")]
)
def test_next_line_character_is_refused(tmp_path: Path, where: tuple[str, ...]) -> None:
    """Helm's toJson/toYaml write U+0085 (NEL) raw and every YAML reader, the API server's included, folds
    it into a space: the value would change silently on its way to the cluster."""
    config = tmp_path / "djhelm.yaml"
    config.write_text(yaml.safe_dump(_with(where, "before\x85after"), allow_unicode=False), encoding="utf-8")
    result = run_cli("render", str(config), "--output", str(tmp_path / "chart"))
    assert result.exit_code == 2, result.output
    assert ".".join(where) in result.stderr and "U+0085" in result.stderr and "fix:" in result.stderr
    assert not (tmp_path / "chart").exists()


def test_a_postgres_exporter_selector_stays_literal_inside_the_alert_expressions(helm3: str,
                                                                               tmp_path: Path) -> None:
    """The selector is PromQL text placed inside rule expressions: template syntax in a label value must
    reach Prometheus as written, and anything that is not a list of label matchers is refused."""
    selector = 'job="{{ .Values.x }} ü", cluster=~"eu-.*"'
    data = _with(("monitoring", "postgresExporter", "selector"), selector)
    config = tmp_path / "djhelm.yaml"
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert run_cli("render", str(config), "--output", str(tmp_path / "chart")).exit_code == 0
    docs = manifests(helm_template(helm3, tmp_path / "chart"))
    rules = [doc for doc in docs if doc["kind"] == "PrometheusRule"]
    expressions = [rule["expr"] for rule in rules[0]["spec"]["groups"][0]["rules"]]
    assert sum(selector in expr for expr in expressions) == 2  # lock waits and replica lag
    for bad in ('job="x"} or vector(1) #', "job=x", 'job="x" or up'):
        data = _with(("monitoring", "postgresExporter", "selector"), bad)
        config.write_text(yaml.safe_dump(data), encoding="utf-8")
        result = run_cli("render", str(config), "--output", str(tmp_path / "refused"))
        assert result.exit_code == 2 and "monitoring.postgresExporter.selector" in result.stderr
